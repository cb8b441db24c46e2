// Writes a task's records into the terminal exactly once each, in seq order.
//
// `lastSeq` is the highest seq accepted; a record at or below it is a resend (the server sends
// every seq > after_seq, and the page subscribes again after each reconnect) and is dropped.
//
// Big logs: the backlog arrives over the same subscription as live output (5,000 records per
// event). Records are joined into chunks of about CHUNK_CHARS and handed to xterm.js with flow
// control (at most HIGH_WATER characters written but not yet parsed; xterm throws writes away
// beyond 50 MB pending). xterm parses one chunk at a time, yields every ~12 ms and renders only
// the rows on screen, so small chunks keep each main-thread task short. A log with more records
// than the scrollback holds starts at last_seq - SCROLLBACK, with a note linking the download
// (task.js). Measured by tests/browser/test_big_log.py (headless Chromium, 1200x700): a finished
// `seq 1 100000` shows its last line 1.8-2.5 s after navigation, longest task under 100 ms.

const STDERR_ON = "\x1b[38;2;255;123;114m"; // a salmon red only stderr uses, then a reset
const SGR_RESET = "\x1b[0m";
const CHUNK_CHARS = 8 * 1024; // ~1,500 short lines: ~20 ms for xterm to parse
const HIGH_WATER = 1024 * 1024;

export class LogWriter {
  lastSeq = 0; // highest seq accepted (queued for the terminal)
  shownSeq = 0; // highest seq the terminal has parsed, so its buffer holds it
  #queue = []; // [text, seq] waiting for room under HIGH_WATER
  #inFlight = 0;
  #enqueuedSeq = 0;

  /**
   * @param {import("@xterm/xterm").Terminal} term
   * @param {{onShown?: (seq: number) => void, onStatus?: (record: object) => void}} hooks
   */
  constructor(term, { onShown = () => {}, onStatus = () => {} } = {}) {
    this.term = term;
    this.onShown = onShown;
    this.onStatus = onStatus;
  }

  /** Begin after `seq` (records up to it are not shown), before any record is added. */
  startAfter(seq) {
    this.lastSeq = this.shownSeq = this.#enqueuedSeq = seq;
  }

  /** Write the records not written yet; they come in seq order. */
  add(records) {
    let parts = [];
    let size = 0;
    for (const record of records) {
      if (record.seq <= this.lastSeq) continue;
      this.lastSeq = record.seq;
      if (record.stream === "status") {
        this.onStatus(record);
        continue;
      }
      const text = record.stream === "stderr" ? STDERR_ON + record.log + SGR_RESET : record.log;
      parts.push(text);
      size += text.length;
      if (size >= CHUNK_CHARS) {
        this.#enqueue(parts.join(""), record.seq);
        parts = [];
        size = 0;
      }
    }
    // Also when only status records came: shownSeq must still reach lastSeq.
    if (this.lastSeq > this.#enqueuedSeq) this.#enqueue(parts.join(""), this.lastSeq);
  }

  #enqueue(text, seq) {
    this.#enqueuedSeq = seq;
    this.#queue.push([text, seq]);
    this.#pump();
  }

  #pump() {
    while (this.#queue.length && this.#inFlight < HIGH_WATER) {
      const [text, seq] = this.#queue.shift();
      this.#inFlight += text.length;
      this.term.write(text, () => {
        this.#inFlight -= text.length;
        this.shownSeq = seq;
        this.onShown(seq);
        this.#pump();
      });
    }
  }
}
