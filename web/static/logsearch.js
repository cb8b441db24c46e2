// Search over the whole log, on the server (GET /tasks/<id>/search and /search/count): the page
// holds only the lines near the view, so neither the browser's find nor a search in the page
// could see the rest. Ctrl/Cmd+F opens the box; typing searches once the typing pauses; Enter or
// "next" goes to the next matching line, Shift+Enter or "previous" to the one before, wrapping
// round; Esc closes. Matches are counted by line, from the top of the log ("3 of 13").
//
// The current match is highlighted with the server's ranges over the line's plain text, mapped
// onto the ANSI-rendered spans (ansi.js markRanges); other matches on screen are found in their
// rendered text with the same pattern compiled in the page.
import { ApiError, getJSON } from "/static/api.js";

const TYPING_PAUSE_MS = 150;
const PAGE = 50; // matches read per request

export class LogSearch {
  #known = new Map(); // match index (0 = first line of the log that matches) -> match
  #index = -1;
  #count = null; // Promise of the number of matching lines
  #exact = true; // false: the count is a lower bound (the server stopped counting)
  #generation = 0;

  /**
   * @param {string} taskId
   * @param {import("/static/logviewer.js").LogViewer} viewer
   * @param {{form: HTMLFormElement, input: HTMLInputElement, previous: HTMLButtonElement,
   *          count: HTMLElement, regex: HTMLInputElement, caseSensitive: HTMLInputElement}} els
   */
  constructor(taskId, viewer, els) {
    this.base = `/tasks/${encodeURIComponent(taskId)}/search`;
    this.viewer = viewer;
    this.els = els;
    this.#bind();
  }

  /** The current search's parameters, or null for none. */
  get query() {
    const q = this.els.input.value;
    if (!q) return null;
    const params = { q };
    if (this.els.regex.checked) params.regex = "1";
    if (this.els.caseSensitive.checked) params.case = "1";
    return params;
  }

  /** Search again from the top (the text or an option changed). */
  async start() {
    const generation = ++this.#generation;
    this.#known.clear();
    this.#index = -1;
    const query = this.query;
    this.viewer.pattern = query ? compile(query) : null;
    this.viewer.match = null;
    this.viewer.redraw();
    if (!query) {
      this.#count = null;
      this.#show("");
      return;
    }
    this.#show("searching…");
    let counted;
    this.#count = new Promise((resolve, reject) => (counted = { resolve, reject }));
    this.#count.catch(() => {}); // shown by whoever awaits it
    try {
      await this.#goTo(0, generation);
    } catch (error) {
      if (generation === this.#generation) this.#show(describe(error));
    }
    // Counted after the first match is shown: the server runs one search at a time per
    // process, and counting reads the whole log, while the first match is often near the top.
    if (generation !== this.#generation) return;
    getJSON(`${this.base}/count?${new URLSearchParams(query)}`).then((reply) => {
      // A count that took too long stops early and says so: a lower bound.
      this.#exact = reply.exact !== false;
      counted.resolve(reply.count);
    }, counted.reject);
  }

  async next() {
    await this.#step(1);
  }

  async previous() {
    await this.#step(-1);
  }

  async #step(delta) {
    if (!this.query) return;
    if (this.#index < 0) return this.start();
    const generation = this.#generation;
    try {
      const count = await this.#count;
      if (!count) return;
      let index = this.#index + delta;
      if (index < 0) index = this.#exact ? count - 1 : 0; // the last one's index is unknown
      else if (index >= count && this.#exact) index = 0;
      await this.#goTo(index, generation);
    } catch (error) {
      if (generation === this.#generation) this.#show(describe(error));
    }
  }

  /** Show match `index`, reading it from the server when it is not known yet. */
  async #goTo(index, generation) {
    if (!this.#known.has(index)) await this.#read(index, generation);
    if (generation !== this.#generation) return;
    let match = this.#known.get(index);
    if (!match && index > 0) {
      index = 0; // past the last match (more than a lower-bound count said): round to the first
      if (!this.#known.has(0)) await this.#read(0, generation);
      match = this.#known.get(0);
    }
    if (!match) {
      this.#show("no matches");
      return;
    }
    this.#index = index;
    this.viewer.match = match;
    this.viewer.scrollToLine(match.n, { center: false });
    this.viewer.redraw();
    document.body.dataset.searchLine = String(match.n);
    this.#show(`${index + 1} of …`); // until the count comes
    this.#showPosition(generation).catch(() => {}); // a failed count: the position stays
  }

  /** Read a page of matches that holds `index`, next to a known one or from an end. */
  async #read(index, generation) {
    const query = this.query;
    let params;
    let first;
    let direction = 1;
    if (this.#known.has(index - 1)) {
      params = { ...query, after: this.#known.get(index - 1).n };
      first = index;
    } else if (this.#known.has(index + 1)) {
      params = { ...query, before: this.#known.get(index + 1).n };
      first = index;
      direction = -1;
    } else if (index === 0) {
      params = { ...query, after: 0 };
      first = 0;
    } else {
      // The last ones, from the end of the log (a wrap from the first match backwards).
      params = { ...query, before: this.viewer.source.total + 1 };
      first = (await this.#count) - 1;
      direction = -1;
    }
    const reply = await getJSON(`${this.base}?${new URLSearchParams({ ...params, limit: PAGE })}`);
    if (generation !== this.#generation) return;
    reply.matches.forEach((match, i) => this.#known.set(first + direction * i, match));
  }

  async #showPosition(generation) {
    const count = await this.#count;
    if (generation !== this.#generation) return;
    if (count === 0) this.#show("no matches");
    else if (this.#index >= 0) this.#show(`${this.#index + 1} of ${count}${this.#exact ? "" : "+"}`);
  }

  #show(text) {
    this.els.count.textContent = text;
  }

  #bind() {
    const { form, input, previous, regex, caseSensitive } = this.els;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.next();
    });
    previous.addEventListener("click", () => this.previous());
    let typing = 0;
    const restart = () => {
      clearTimeout(typing);
      typing = setTimeout(() => this.start(), TYPING_PAUSE_MS);
    };
    input.addEventListener("input", restart);
    regex.addEventListener("change", restart);
    caseSensitive.addEventListener("change", restart);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.shiftKey) {
        event.preventDefault();
        this.previous();
      } else if (event.key === "Escape") {
        input.value = "";
        this.start();
        this.viewer.container.focus();
      }
    });
    document.addEventListener(
      "keydown",
      (event) => {
        if (!((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "f")) return;
        event.preventDefault();
        input.focus();
        input.select();
      },
      true,
    );
  }
}

/** The search as a pattern the page can run over the rows on screen; null if it cannot. */
function compile({ q, regex, case: caseSensitive }) {
  const source = regex ? q : q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  let pattern;
  try {
    pattern = new RegExp(source, caseSensitive ? "g" : "gi");
  } catch {
    return null;
  }
  const find = (plain) => {
    const ranges = [];
    for (const found of plain.matchAll(pattern)) {
      if (found[0].length) ranges.push([found.index, found.index + found[0].length]);
    }
    return ranges;
  };
  find.key = `${source}/${pattern.flags}`;
  return find;
}

function describe(error) {
  return error instanceof ApiError && error.status === 400 ? error.message : `search failed: ${error.message}`;
}
