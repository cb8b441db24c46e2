// The task page's progress bar and its stall hint. The bar follows GET /tasks/<id> and the
// "progress" events; the hint appears when a running task has printed nothing for the server's
// stall_seconds (JOBLOOK_STALL_SECONDS), judged from the times of the records the page received.
import { formatDuration, isFinished } from "/static/format.js";
import { ProgressState, renderProgress } from "/static/progress.js";

export class TaskProgress {
  #state = new ProgressState();
  #task = null;
  #lastOutput = 0; // ms since the epoch: the latest output record's time, or the task's start
  #stallSeconds = null;

  /** @param {{bar: HTMLElement, stall: HTMLElement}} els */
  constructor(els) {
    this.els = els;
    setInterval(() => this.#render(), 1000);
  }

  /** How long a running task may be silent before the hint shows (from GET /config). */
  set stallSeconds(seconds) {
    this.#stallSeconds = seconds;
    this.#render();
  }

  showTask(task) {
    this.#task = task;
    this.#state.update(task);
    this.#noteTime(task.last_output_at);
    this.#noteTime(task.started_at);
    this.#render();
  }

  /** A "progress" event. */
  showProgress(update) {
    this.#state.update(update);
    this.#render();
  }

  /** Records shown in the terminal: output resets the stall clock. */
  sawRecords(records) {
    // In seq order, so the last output record is the latest (a backlog may hold 100,000).
    const output = records.findLast((record) => record.stream !== "status");
    if (output) this.#noteTime(output.time);
    this.#render();
  }

  #noteTime(iso) {
    if (iso) this.#lastOutput = Math.max(this.#lastOutput, Date.parse(iso));
  }

  #render() {
    renderProgress(this.els.bar, this.#state);
    const { stall } = this.els;
    const running = this.#task?.started_at && !isFinished(this.#task.state);
    const silent = (Date.now() - this.#lastOutput) / 1000;
    stall.hidden = !(running && this.#stallSeconds !== null && this.#lastOutput
      && silent >= this.#stallSeconds);
    if (!stall.hidden) {
      stall.textContent = `No output for ${formatDuration(Math.floor(silent))}: `
        + "the task may be stalled (or just quiet).";
    }
  }
}
