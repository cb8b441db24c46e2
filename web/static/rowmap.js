// Which line each row on screen shows, once folded sections hide their inner lines.
//
// Lines are numbered from 1; rows from 0. A folded section keeps its marker line (the row that
// says what it is) and hides the lines after it up to its end. Hidden ranges are merged and kept
// sorted, with, for each, how many lines are visible before it: both directions are then a binary
// search, so a 10,000,000-line log costs nothing more than a short one.

export class RowMap {
  #starts = []; // first hidden line of each merged range, ascending
  #ends = []; // last hidden line of each range
  #visibleBefore = []; // visible lines before each range's start
  #hiddenBefore = []; // hidden lines before each range's start
  #hidden = 0;

  /**
   * @param {number} total lines in the log
   * @param {Array<[number, number]>} ranges hidden [first, last] line ranges (any order, may
   *   overlap; last may exceed total, for a folded section still open)
   */
  constructor(total = 0, ranges = []) {
    this.total = total;
    const sorted = ranges
      .map(([a, b]) => [a, Math.min(b, total)])
      .filter(([a, b]) => a <= b)
      .sort((x, y) => x[0] - y[0]);
    for (const [a, b] of sorted) {
      const last = this.#ends.length - 1;
      if (last >= 0 && a <= this.#ends[last] + 1) {
        this.#ends[last] = Math.max(this.#ends[last], b);
      } else {
        this.#starts.push(a);
        this.#ends.push(b);
      }
    }
    let hidden = 0;
    for (let i = 0; i < this.#starts.length; i++) {
      this.#hiddenBefore.push(hidden);
      this.#visibleBefore.push(this.#starts[i] - 1 - hidden);
      hidden += this.#ends[i] - this.#starts[i] + 1;
    }
    this.#hidden = hidden;
  }

  /** Rows that show a line. */
  get rows() {
    return this.total - this.#hidden;
  }

  /** The line shown on `row` (0-based), for 0 <= row < rows. */
  lineAt(row) {
    // Ranges that start before this row's line: those with fewer visible lines before them.
    const i = lastAtMost(this.#visibleBefore, row);
    const hidden = i < 0 ? 0 : this.#hiddenBefore[i] + this.#ends[i] - this.#starts[i] + 1;
    return row + 1 + hidden;
  }

  /** The row showing `line`, or for a hidden line the row of the marker line above it. */
  rowOf(line) {
    const i = lastAtMost(this.#starts, line);
    if (i < 0) return line - 1;
    if (line <= this.#ends[i]) return this.#starts[i] - 2 - this.#hiddenBefore[i];
    return line - 1 - this.#hiddenBefore[i] - (this.#ends[i] - this.#starts[i] + 1);
  }

  /** True when `line` is inside a folded section. */
  isHidden(line) {
    const i = lastAtMost(this.#starts, line);
    return i >= 0 && line <= this.#ends[i];
  }
}

/** Index of the last element <= value in an ascending array, or -1. */
function lastAtMost(sorted, value) {
  let low = 0;
  let high = sorted.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] <= value) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}
