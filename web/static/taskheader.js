// The task page's header: command, state, exit code, start time and a duration that ticks
// every second while the task runs. Its data is GET /tasks/<id>, fetched again on each change.
// It also shows where the task runs (queue, GPUs asked and held) and, while it is PENDING, what
// it waits for; nothing announces a change in that, so a waiting task is fetched every few seconds.
import { getJSON } from "/static/api.js";
import {
  durationSeconds, formatDuration, formatExitCode, formatTime, isFinished, isOutdated, showBadge,
} from "/static/format.js";
import { titleFor } from "/static/notify.js";

const WAITING_RECHECK_MS = 3000;

export class TaskHeader {
  #task = null;
  #ticker = 0;
  #progress = null;
  #recheck = 0;

  /**
   * @param {string} taskId
   * @param {{cmd: HTMLElement, state: HTMLElement, exitCode: HTMLElement, started: HTMLElement,
   *          duration: HTMLElement, statusNote: HTMLElement}} els
   */
  constructor(taskId, els) {
    this.taskId = taskId;
    this.els = els;
  }

  /** Fetch and show the task; returns it (throws the ApiError, e.g. 404 for an unknown task). */
  async refresh() {
    const task = await getJSON(`/tasks/${encodeURIComponent(this.taskId)}`);
    if (!this.#task || !isOutdated(task, this.#task)) this.show(task);
    return task;
  }

  show(task) {
    this.#task = task;
    const { els } = this;
    els.cmd.textContent = task.cmd ?? "(unknown command)";
    els.cmd.title = task.cmd ?? "";
    showBadge(els.state, task.state);
    els.exitCode.textContent = formatExitCode(task.exit_code);
    els.exitCode.classList.toggle("failed", Boolean(task.exit_code));
    els.started.textContent = task.started_at ? formatTime(task.started_at) : "not yet";
    els.started.dateTime = task.started_at ?? "";
    if (task.message) this.showStatusNote(task.message); // newer servers keep the last one
    showSchedule(task.schedule_id);
    showFact("submitted-by", task.submitted_by);
    showFact("cancelled-by", task.cancelled_by);
    this.#showPlacement(task);
    if (task.progress !== undefined) this.#progress = task.progress;
    document.title = titleFor(task, this.#progress);
    this.#tick();
    const running = task.started_at && !isFinished(task.state);
    if (running && !this.#ticker) this.#ticker = setInterval(() => this.#tick(), 1000);
    if (!running && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = 0;
    }
  }

  /** A status event arrived: show its state now (an end with its time, so the duration stops
   * at its final value), the full picture once fetched. */
  showState(state, exitCode, time) {
    if (!this.#task) return;
    const ended = isFinished(state) && time && !this.#task.finished_at;
    const finished = ended ? { finished_at: time } : {};
    this.show({ ...this.#task, state, exit_code: exitCode, ...finished });
  }

  /** A "progress" event: the tab title shows the percentage while the task runs. */
  showProgress(fraction) {
    this.#progress = fraction;
    if (!this.#task) return;
    this.#task = { ...this.#task, progress: fraction };
    document.title = titleFor(this.#task, fraction);
  }

  /** The message of the latest status record ("started on host", "exited with code 0"). */
  showStatusNote(message) {
    this.els.statusNote.textContent = message;
  }

  /** Queue and GPUs as "gpu · 2 GPUs: 0, 1", and what a PENDING task waits for. */
  #showPlacement(task) {
    if (task.queue === undefined || task.kind) return; // an older server, or a chain's parent
    const gpus = task.gpus ? ` · ${task.gpus} GPU${task.gpus === 1 ? "" : "s"}` : "";
    const held = task.gpu_ids?.length ? `: ${task.gpu_ids.join(", ")}` : "";
    this.#item("queue", "Queue").textContent = `${task.queue}${gpus}${held}`;
    const waiting = task.state === "PENDING" ? task.waiting : null;
    const waitingItem = this.#item("waiting", "Waiting");
    waitingItem.textContent = waiting ?? "";
    waitingItem.parentElement.hidden = !waiting;
    clearTimeout(this.#recheck);
    if (task.state === "PENDING") {
      this.#recheck = setTimeout(() => this.refresh().catch(() => {}), WAITING_RECHECK_MS);
    }
  }

  /** The header's <dd id="task-NAME">, made (after the exit code's item) the first time. */
  #item(name, label) {
    const id = `task-${name}`;
    let dd = document.getElementById(id);
    if (dd) return dd;
    const item = document.createElement("div");
    const dt = document.createElement("dt");
    dt.textContent = label;
    dd = document.createElement("dd");
    dd.id = id;
    item.append(dt, dd);
    const list = this.els.exitCode.closest("dl");
    (list ?? this.els.exitCode.parentElement.parentElement).append(item);
    return dd;
  }

  #tick() {
    this.els.duration.textContent = formatDuration(durationSeconds(this.#task));
  }
}

/** A fact of the task that only some tasks have: its item shown with the value, if any. */
function showFact(id, value) {
  const item = document.getElementById(`${id}-item`);
  const field = document.getElementById(id);
  if (!item || !field) return;
  field.textContent = value ?? "";
  item.hidden = !value;
}

/** "Started by schedule X", linking to the home page's list, for a task a schedule started. */
function showSchedule(scheduleId) {
  const item = document.getElementById("schedule-item");
  const link = document.getElementById("schedule-link");
  if (!item || !link || !scheduleId) return;
  link.textContent = `schedule ${scheduleId.slice(0, 8)}`;
  link.title = scheduleId;
  link.href = `/#schedule-${scheduleId}`;
  item.hidden = false;
}
