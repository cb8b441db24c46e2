// The task page's log: a virtualised viewer over every line of the log, however many.
//
// The scroll container's content is as tall as all rows (ROW px each, fixed, lines never wrap)
// and only the rows on screen exist in the DOM; their lines come from a LineSource, which
// fetches windows from the server as they scroll into view. Past MAX_HEIGHT px (browsers cap an
// element's height near 16M px, a 10M-line log needs 180M) the content is scaled: the scroll bar
// then maps onto the whole log, and the wheel and keys move by rows, as they do unscaled.
// `top`, the pixel offset of the view in the unscaled log, is the source of truth.
//
// Follow mode: on while the view is at the bottom, so new lines keep it there; any move up turns
// it off, and nothing but the reader (or a jump they ask for) moves the view while it is off.
// Folding a section keeps the top line where it was.
import { buildRow, fillRows, plainText } from "/static/logrows.js";
import { RowMap } from "/static/rowmap.js";

export const ROW = 18; // px; style.css uses the same (--row)
const MAX_HEIGHT = 8_000_000;
const MARGIN_ROWS = 60; // loaded (not drawn) above and below the view

export class LogViewer {
  following = true;
  top = 0;
  selection = null; // [first, last] lines highlighted (a #L address)
  match = null; // the current search match {n, ranges, plain}
  pattern = null; // plain text -> ranges of the other matches, for the rows on screen
  timeMode = "off"; // "off" | "absolute" | "relative"
  startTime = null; // epoch seconds: the task's start, for relative times
  #map = new RowMap();
  #expectedScrollTop = 0;
  #frame = 0;
  #rows = []; // row elements on screen, in order
  #viewHeight = 0; // the container's client height, as the ResizeObserver last saw it
  #spacerHeight = "";
  #digits = "";

  /**
   * @param {HTMLElement} container the scroll container
   * @param {import("/static/linesource.js").LineSource} source
   * @param {import("/static/sections.js").Sections} sections
   * @param {{onFollow: (following: boolean) => void, formatDuration: (s: number) => string,
   *          sectionDuration: Function}} hooks
   */
  constructor(container, source, sections, hooks) {
    this.container = container;
    this.source = source;
    this.sections = sections;
    this.hooks = hooks;
    this.spacer = container.appendChild(document.createElement("div"));
    this.spacer.className = "log-spacer";
    this.layer = container.appendChild(document.createElement("div"));
    this.layer.className = "log-rows";
    container.addEventListener("scroll", () => this.#onScroll(), { passive: true });
    container.addEventListener("wheel", (event) => this.#onWheel(event), { passive: false });
    container.addEventListener("keydown", (event) => this.#onKey(event));
    container.addEventListener("click", (event) => this.#onClick(event));
    // The height is read here only: reading clientHeight on every scroll would make the
    // browser lay the page out again at once whenever a row had changed.
    new ResizeObserver(() => {
      this.#viewHeight = container.clientHeight;
      this.#layout();
    }).observe(container);
  }

  /** Rows: every visible line, then the unterminated lines. */
  get rowCount() {
    return this.#map.rows + this.source.partial.length;
  }

  get viewHeight() {
    return this.#viewHeight;
  }

  get maxTop() {
    return Math.max(0, this.rowCount * ROW - this.viewHeight);
  }

  /** The lines or sections changed (new lines, new totals, a fold): map rows again. */
  refresh() {
    const anchor = this.following ? null : this.#topLine();
    const hidden = [...this.sections.hiddenRanges(), ...this.source.hidden];
    this.#map = new RowMap(this.source.total, hidden);
    if (this.following) this.top = this.maxTop;
    else if (anchor) this.top = this.#map.rowOf(anchor.line) * ROW + anchor.offset;
    this.#layout();
  }

  /** Draw again (same rows, new content: lines arrived, a highlight changed). */
  redraw() {
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#draw());
  }

  scrollToEnd() {
    this.#moveTo(this.maxTop);
  }

  scrollToStart() {
    this.#moveTo(0);
  }

  /** Bring line `n` into view, in the middle, unfolding a section that hides it. */
  scrollToLine(n, { center = true } = {}) {
    if (this.#map.isHidden(n)) {
      this.sections.reveal(n);
      this.refresh();
    }
    const y = this.#map.rowOf(n) * ROW;
    const inView = y >= this.top && y + ROW <= this.top + this.viewHeight;
    if (inView && !center) return;
    this.#moveTo(y - Math.floor((this.viewHeight - ROW) / 2));
  }

  toggleSection(section) {
    this.sections.toggle(section);
    this.refresh();
  }

  /** The lines whose rows are wholly on screen. */
  visibleLines() {
    const first = Math.ceil(this.top / ROW);
    const last = Math.floor((this.top + this.viewHeight) / ROW) - 1;
    const lines = [];
    for (let row = first; row <= Math.min(last, this.rowCount - 1); row++) lines.push(this.#lineOfRow(row));
    return lines;
  }

  /** The text of the rows wholly on screen, as shown. */
  visibleText() {
    const top = this.container.getBoundingClientRect().top;
    const bottom = top + this.viewHeight;
    return this.#rows
      .filter((row) => {
        const box = row.getBoundingClientRect();
        return box.top >= top - 1 && box.bottom <= bottom + 1;
      })
      .map((row) => row.querySelector(".text").textContent);
  }

  /**
   * Every line of the log shown (not those redrawn later) and the unterminated ones, as text
   * (fetched as needed; for tests).
   */
  async text() {
    const lines = await this.source.range(1, this.source.total);
    const hidden = new RowMap(this.source.total, this.source.hidden);
    const shown = lines.filter((line) => !hidden.isHidden(line.n));
    return [...shown, ...this.source.partial].map((line) => plainText(line));
  }

  #lineOfRow(row) {
    return row < this.#map.rows ? this.#map.lineAt(row) : null;
  }

  #topLine() {
    const row = Math.floor(this.top / ROW);
    if (row >= this.#map.rows) return null;
    return { line: this.#map.lineAt(row), offset: this.top - row * ROW };
  }

  #moveTo(top) {
    this.top = Math.max(0, Math.min(top, this.maxTop));
    this.#setFollowing(this.top >= this.maxTop - 1);
    this.#layout();
  }

  #setFollowing(following) {
    if (following === this.following) return;
    this.following = following;
    this.hooks.onFollow(following);
  }

  /** Scale the content and put the scroll bar where `top` is; then draw. */
  #layout() {
    const height = this.rowCount * ROW;
    // Following: the bottom stays in view also when the view's height changes.
    this.top = this.following ? this.maxTop : Math.max(0, Math.min(this.top, this.maxTop));
    // Only a new height is written: a write makes the next read of scrollTop lay the page out.
    const spacerHeight = `${Math.min(height, MAX_HEIGHT)}px`;
    if (spacerHeight !== this.#spacerHeight) this.spacer.style.height = spacerHeight;
    this.#spacerHeight = spacerHeight;
    const scrollTop = Math.round(this.top / this.#ratio());
    this.#expectedScrollTop = scrollTop;
    if (this.container.scrollTop !== scrollTop) this.container.scrollTop = scrollTop;
    this.redraw();
  }

  /** Unscaled pixels per scroll bar pixel (1 below MAX_HEIGHT). */
  #ratio() {
    const height = this.rowCount * ROW;
    if (height <= MAX_HEIGHT) return 1;
    return (height - this.viewHeight) / Math.max(1, MAX_HEIGHT - this.viewHeight);
  }

  #onScroll() {
    const scrollTop = this.container.scrollTop;
    if (Math.abs(scrollTop - this.#expectedScrollTop) < 1) return; // we moved it
    // The reader dragged the scroll bar (or a key the browser handles moved it).
    this.#expectedScrollTop = scrollTop;
    this.top = Math.min(scrollTop * this.#ratio(), this.maxTop);
    this.#setFollowing(this.top >= this.maxTop - 1);
    this.redraw();
  }

  #onWheel(event) {
    if (event.ctrlKey) return; // zoom
    const unit = event.deltaMode === 1 ? ROW : event.deltaMode === 2 ? this.viewHeight : 1;
    if (event.deltaY === 0) return; // sideways: the browser scrolls the long lines
    event.preventDefault();
    if (event.deltaX) this.container.scrollLeft += event.deltaX * unit;
    this.#moveTo(this.top + event.deltaY * unit);
  }

  #onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const page = Math.max(ROW, this.viewHeight - ROW);
    const moves = {
      ArrowDown: () => this.#moveTo(this.top + ROW),
      ArrowUp: () => this.#moveTo(this.top - ROW),
      PageDown: () => this.#moveTo(this.top + page),
      PageUp: () => this.#moveTo(this.top - page),
      " ": () => this.#moveTo(this.top + (event.shiftKey ? -page : page)),
      Home: () => this.scrollToStart(),
      End: () => this.scrollToEnd(),
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    move();
  }

  #onClick(event) {
    const fold = event.target.closest(".fold");
    if (!fold) return;
    const section = this.sections.at(Number(fold.closest(".row").dataset.n));
    if (section) this.toggleSection(section);
  }

  #draw() {
    this.#frame = 0;
    const first = Math.floor(this.top / ROW);
    const offset = this.top - first * ROW;
    const count = Math.min(Math.ceil(this.viewHeight / ROW) + 1, Math.max(0, this.rowCount - first));
    this.#load(first, count);
    this.layer.style.transform = `translateY(${this.container.scrollTop - offset}px)`;
    const digits = String(String(Math.max(this.source.total, 1)).length);
    if (digits !== this.#digits) this.container.style.setProperty("--digits", digits);
    this.#digits = digits;
    while (this.#rows.length > count) this.#rows.pop().remove();
    const changed = [];
    for (let i = 0; i < count; i++) {
      const state = this.#stateOf(first + i);
      const key = stateKey(state);
      let row = this.#rows[i];
      if (!row) {
        row = this.layer.appendChild(buildRow(state));
        this.#rows.push(row);
      }
      if (row.dataset.key !== key) changed.push([row, state]);
      row.dataset.key = key;
    }
    fillRows(changed);
  }

  /** Ask the source for the lines on screen and a margin around them. */
  #load(first, count) {
    const lines = [];
    const from = Math.max(0, first - MARGIN_ROWS);
    const to = Math.min(this.#map.rows, first + count + MARGIN_ROWS);
    for (let row = from; row < to; row++) lines.push(this.#map.lineAt(row));
    this.source.want(lines);
  }

  #stateOf(row) {
    if (row >= this.#map.rows) {
      return { partial: this.source.partial[row - this.#map.rows] };
    }
    const n = this.#map.lineAt(row);
    const line = this.source.line(n);
    const section = this.sections.at(n);
    const state = { n, line, match: this.match, pattern: this.pattern };
    if (this.selection) state.selected = n >= this.selection[0] && n <= this.selection[1];
    if (line && this.timeMode !== "off") state.time = this.#formatTime(line.time);
    if (section) {
      state.section = section;
      state.folded = this.sections.isFolded(section);
      state.duration = this.hooks.sectionDuration(section, this.hooks.formatDuration);
    }
    return state;
  }

  #formatTime(time) {
    if (time === null || time === undefined) return "";
    if (this.timeMode === "relative" && this.startTime !== null) {
      return `+${clock(Math.max(0, time - this.startTime))}`;
    }
    const date = new Date(time * 1000);
    const pad = (value, width = 2) => String(value).padStart(width, "0");
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
      + `.${pad(date.getMilliseconds(), 3)}`;
  }
}

/** "1:02:03.456" or "02:03.456". */
function clock(seconds) {
  const whole = Math.floor(seconds);
  const millis = String(Math.floor((seconds - whole) * 1000)).padStart(3, "0");
  const h = Math.floor(whole / 3600);
  const m = String(Math.floor((whole % 3600) / 60)).padStart(2, "0");
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${m}:${s}.${millis}` : `${m}:${s}.${millis}`;
}

/** What a row shows, as a string: a row is filled again only when it changes. */
function stateKey(state) {
  const { n, line, partial, section } = state;
  const current = state.match && state.match.n === n;
  return [
    n ?? "p", line ? 1 : 0, partial ? `${partial.stream}:${partial.text}` : "",
    state.selected ? 1 : 0, current ? 1 : 0, state.pattern ? state.pattern.key : "",
    state.time ?? "", section ? `${state.folded}:${state.duration}` : "",
  ].join("|");
}
