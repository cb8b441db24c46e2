// What the server tells the pages (GET /config): Flower's address, the stall hint's delay, and the
// task states, which the pages never spell themselves. Loaded once, before any module that
// imports this one runs; while the server does not answer, it asks again every second.
import { getJSON } from "/static/api.js";

async function load() {
  for (;;) {
    try {
      return await getJSON("/config");
    } catch (error) {
      console.warn("joblook: cannot load /config yet:", error.message);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

export const config = await load();
