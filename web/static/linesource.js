// A task's lines as the viewer needs them: windows of WINDOW lines fetched from
// GET /tasks/<id>/lines, kept in a small LRU cache, never the whole log.
//
// `want(first, last)` says which lines are on screen (plus a margin); windows not cached are
// fetched, at most MAX_IN_FLIGHT at a time, each request started in a task of its own (starting
// a fetch costs the tab milliseconds, so never inside the frame that draws the rows). A request whose window left the wanted range before
// its reply came is aborted, so scrolling fast through a big log leaves no queue behind it.
// `poll()` reads what was printed after the last line known (live output): one request at a time,
// and a poll asked for meanwhile is folded into one more after it.
import { getJSON } from "/static/api.js";

export const WINDOW = 500;
const CACHE_WINDOWS = 80; // 40,000 lines
const MAX_IN_FLIGHT = 3;
const POLL_COUNT = 5000; // the endpoint's maximum

export class LineSource {
  total = 0; // completed lines
  partial = []; // unterminated lines ({stream, text, time, sgr?}): one per stream, or the rows
  // a program is redrawing with cursor-ups
  hidden = []; // [first, last] ranges of lines a cursor-up took back (redrawn as later lines)
  lastSeq = 0; // highest record seq the lines known reflect
  finished = false;
  #cache = new Map(); // window index -> Array(WINDOW) of line objects (insertion order = LRU)
  #inFlight = new Map(); // window index -> AbortController
  #wanted = new Set(); // window indices on screen or near it, nearest the middle first
  #polling = null;
  #pollAgain = false;
  #fetchScheduled = false;

  /**
   * @param {string} taskId
   * @param {{onLines: () => void, onTotal: (total: number, partialChanged: boolean) => void,
   *          onError: (error: Error) => void, onPolled?: (reply: object) => void}} hooks
   */
  constructor(taskId, hooks) {
    this.base = `/tasks/${encodeURIComponent(taskId)}/lines`;
    this.hooks = hooks;
  }

  /** Open at the end of the log: the last window, and the totals. */
  async open() {
    const reply = await getJSON(`${this.base}?tail=${WINDOW}`);
    this.#take(reply);
    return reply;
  }

  /** The line object for line `n` (1-based), or undefined while it is not loaded. */
  line(n) {
    const slots = this.#cache.get(Math.floor((n - 1) / WINDOW));
    return slots?.[(n - 1) % WINDOW];
  }

  /** These lines (1-based, ascending) are on screen or near it: fetch the windows missing. */
  want(lines) {
    const wanted = new Set();
    for (const n of lines) if (n <= this.total) wanted.add(Math.floor((n - 1) / WINDOW));
    this.#wanted = wanted;
    for (const [index, controller] of this.#inFlight) {
      if (!wanted.has(index)) controller.abort();
    }
    this.#scheduleFetch();
  }

  /** Fetch lines printed since the last reply (live output). */
  poll() {
    if (this.#polling) {
      this.#pollAgain = true;
      return this.#polling;
    }
    this.#polling = (async () => {
      try {
        do {
          this.#pollAgain = false;
          const reply = await getJSON(`${this.base}?start=${this.total + 1}&count=${POLL_COUNT}`);
          this.#take(reply);
          this.hooks.onPolled?.(reply);
          // A backlog longer than one reply: the rest is read when the viewer wants it, but
          // the total must still catch up, so read again.
          if (reply.lines.length === POLL_COUNT) this.#pollAgain = true;
        } while (this.#pollAgain);
      } catch (error) {
        this.hooks.onError(error);
      } finally {
        this.#polling = null;
      }
    })();
    return this.#polling;
  }

  /** Every line first..last, fetched as needed: for tests and small copies, not for scrolling. */
  async range(first, last) {
    const lines = [];
    for (let start = first; start <= last; start += WINDOW) {
      const count = Math.min(WINDOW, last - start + 1);
      const missing = [...Array(count).keys()].some((i) => !this.line(start + i));
      if (missing) this.#take(await getJSON(`${this.base}?start=${start}&count=${count}`));
      for (let n = start; n < start + count; n++) lines.push(this.line(n));
    }
    return lines;
  }

  #scheduleFetch() {
    if (this.#fetchScheduled) return;
    this.#fetchScheduled = true;
    setTimeout(() => {
      this.#fetchScheduled = false;
      this.#fetchMissing();
    }, 0);
  }

  /** Start one request for the window the reader most needs; another task starts the next. */
  #fetchMissing() {
    if (this.#inFlight.size >= MAX_IN_FLIGHT) return;
    const wanted = [...this.#wanted];
    // Nearest the middle of the wanted ones first: that is what the reader looks at.
    const middle = wanted[Math.floor(wanted.length / 2)];
    const missing = wanted.filter((index) => !this.#inFlight.has(index) && !this.#complete(index));
    if (!missing.length) return;
    missing.sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle));
    this.#fetchWindow(missing[0]);
    if (missing.length > 1) this.#scheduleFetch();
  }

  async #fetchWindow(index) {
    const controller = new AbortController();
    this.#inFlight.set(index, controller);
    const url = `${this.base}?start=${index * WINDOW + 1}&count=${WINDOW}`;
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(`lines: HTTP ${response.status}`);
      this.#take(await response.json());
    } catch (error) {
      if (error.name !== "AbortError") this.hooks.onError(error);
    } finally {
      this.#inFlight.delete(index);
      this.#scheduleFetch();
    }
  }

  /** A window holds every line it can hold so far. */
  #complete(index) {
    const slots = this.#cache.get(index);
    if (!slots) return false;
    const last = Math.min(WINDOW, this.total - index * WINDOW);
    for (let i = 0; i < last; i++) if (!slots[i]) return false;
    return true;
  }

  #take(reply) {
    for (const line of reply.lines) {
      const index = Math.floor((line.n - 1) / WINDOW);
      let slots = this.#cache.get(index);
      if (slots) this.#cache.delete(index); // re-insert: most recently used
      else slots = new Array(WINDOW);
      slots[(line.n - 1) % WINDOW] = line;
      this.#cache.set(index, slots);
    }
    this.#evict();
    const grew = reply.total > this.total;
    const partialChanged = JSON.stringify(reply.partial ?? []) !== JSON.stringify(this.partial)
      || JSON.stringify(reply.hidden ?? []) !== JSON.stringify(this.hidden);
    // Replies can cross: an older one never takes the totals back.
    if (reply.total >= this.total && (reply.last_seq ?? 0) >= this.lastSeq) {
      this.total = reply.total;
      this.partial = reply.partial ?? [];
      this.hidden = reply.hidden ?? [];
      this.finished = reply.finished;
    }
    this.lastSeq = Math.max(this.lastSeq, reply.last_seq ?? 0);
    if (grew || partialChanged) this.hooks.onTotal(this.total, partialChanged);
    if (reply.lines.length) this.hooks.onLines();
  }

  #evict() {
    for (const index of this.#cache.keys()) {
      if (this.#cache.size <= CACHE_WINDOWS) break;
      if (!this.#wanted.has(index)) this.#cache.delete(index);
    }
  }
}
