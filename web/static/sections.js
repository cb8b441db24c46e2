// Foldable sections (GET /tasks/<id>/sections: the server parses ::group::, section_start and
// the like). A section is open while it runs and folded once it has ended, except, when the task
// failed, the one holding the failure: the innermost section still open at the end, else the
// last one. A reader's own fold or unfold of a section wins over both.
import { getJSON } from "/static/api.js";

// Lines that may open or close a section: seeing one makes the page read /sections again.
export const MARKER = /::(end)?group::|##\[(end)?group\]|section_(start|end):|^(---|\+\+\+|~~~) /;

export class Sections {
  list = []; // as the server gives them, sorted by start
  #byStart = new Map(); // marker line -> section: asked for every row drawn
  #chosen = new Map(); // start line -> folded, as the reader chose
  #failed = false;
  #ended = false;

  constructor(taskId) {
    this.url = `/tasks/${encodeURIComponent(taskId)}/sections`;
  }

  async load() {
    const { sections } = await getJSON(this.url);
    this.list = [...sections].sort((a, b) => a.start - b.start);
    this.#byStart = new Map(this.list.map((section) => [section.start, section]));
  }

  /** The task's state: sections fold when it ends; the failure's section stays open. */
  setState(ended, failed) {
    this.#ended = ended;
    this.#failed = failed;
  }

  /** The section whose marker is line `n`, or undefined. */
  at(n) {
    return this.#byStart.get(n);
  }

  isFolded(section) {
    const chosen = this.#chosen.get(section.start);
    if (chosen !== undefined) return chosen;
    if (this.#failureSections().includes(section)) return false;
    return section.end !== null || this.#ended;
  }

  toggle(section) {
    this.#chosen.set(section.start, !this.isFolded(section));
  }

  /** Unfold every section that hides line `n`. */
  reveal(n) {
    for (const section of this.list) {
      if (n > section.start && (section.end === null || n <= section.end) && this.isFolded(section)) {
        this.#chosen.set(section.start, false);
      }
    }
  }

  /** [first, last] hidden line ranges of the folded sections (last is Infinity while open). */
  hiddenRanges() {
    return this.list
      .filter((section) => this.isFolded(section))
      .map((section) => [section.start + 1, section.end ?? Infinity]);
  }

  /** The failure's section and those around it (folding an outer one would hide it). */
  #failureSections() {
    if (!this.#failed || !this.list.length) return [];
    // Open at the end: no closing marker (the server may close it on the log's last line).
    const last = Math.max(...this.list.map((section) => section.end ?? 0));
    const open = this.list.filter((section) => section.end === null || section.end === last);
    const inner = open.length
      ? open.reduce((a, b) => (b.depth >= a.depth ? b : a))
      : this.list[this.list.length - 1];
    return this.list.filter(
      (s) => s.start <= inner.start && (s.end === null || s.end >= inner.start),
    );
  }
}

/** "12.3s" or "4m 05s" for a section, or "running" while it has not ended. */
export function sectionDuration(section, formatDuration) {
  const started = seconds(section.started_at);
  if (started === null) return "";
  const ended = seconds(section.ended_at);
  if (ended === null) return "running";
  return formatDuration(Math.max(0, ended - started));
}

/** Epoch seconds from a number or an ISO 8601 string; null for none. */
function seconds(time) {
  if (time === null || time === undefined) return null;
  return typeof time === "number" ? time : Date.parse(time) / 1000;
}
