// The home page's list of recent tasks, newest first. It loads a page from GET /tasks, then
// keeps itself current from the server's "task" events (new tasks, state changes). A filter
// (GET /tasks?q=, by command and optionally by output) reloads it with only the tasks that match.
import { getJSON, taskPageUrl } from "/static/api.js";
import {
  durationSeconds, formatDuration, formatExitCode, formatTime, isFinished, isOutdated, showBadge,
} from "/static/format.js";
import { ProgressState, renderProgress } from "/static/progress.js";

const PAGE = 50;
const CMD_PREVIEW = 160; // characters of the command shown in the list

export class TaskList {
  /**
   * @param {{body: HTMLElement, template: HTMLTemplateElement, empty: HTMLElement, older: HTMLButtonElement}} els
   * @param {(error: Error) => void} onError
   */
  constructor(els, onError) {
    this.els = els;
    this.tasks = new Map(); // task_id -> {task, row, progress}, newest first
    this.pagedBack = false;
    this.filter = { q: "", output: false };
    this.generation = 0; // bumped by each new filter: a reply to an older one is dropped
    els.older.addEventListener("click", () => this.loadOlder().catch(onError));
    setInterval(() => this.#tick(), 1000);
  }

  /** Load the newest page; tasks already shown are merged, so this is safe after a reconnect. */
  async loadNewest() {
    const generation = this.generation;
    const { tasks } = await getJSON(`/tasks?${this.#query({})}`);
    if (generation !== this.generation) return;
    tasks.forEach((task) => this.upsert(task));
    if (!this.pagedBack) this.els.older.hidden = tasks.length < PAGE;
    this.#showEmpty();
  }

  async loadOlder() {
    const generation = this.generation;
    const oldest = [...this.tasks.values()].at(-1)?.task.created_at;
    const { tasks } = await getJSON(`/tasks?${this.#query(oldest ? { before: oldest } : {})}`);
    if (generation !== this.generation) return;
    this.pagedBack = true;
    tasks.forEach((task) => this.upsert(task));
    this.els.older.hidden = tasks.length < PAGE;
  }

  /** Show only the tasks whose command (and, with output, whose output) contains q. */
  async setFilter(q, output) {
    this.filter = { q: q.trim(), output };
    this.generation += 1;
    this.tasks.clear();
    this.els.body.replaceChildren();
    this.pagedBack = false;
    await this.loadNewest();
  }

  /** A "task" event: shown if listed already, or if it may match the filter (its command does;
   * an output match is only known to the server, which sends it as an "output_match" event). */
  upsertLive(task) {
    const { q } = this.filter;
    const matches = !q || (task.cmd ?? "").toLowerCase().includes(q.toLowerCase());
    if (this.tasks.has(task.task_id) || matches) this.upsert(task);
  }

  /** An "output_match" event: lines just added to a task match the output filter q. */
  upsertOutputMatch({ q, task }) {
    if (this.filter.output && q === this.filter.q) this.upsert(task);
  }

  /** The text output_match events are wanted for, or "" when the list does not filter output. */
  get outputFilter() {
    return this.filter.output ? this.filter.q : "";
  }

  #query(extra) {
    const { q, output } = this.filter;
    return new URLSearchParams({ limit: PAGE, ...(q && { q, output: output ? 1 : 0 }), ...extra });
  }

  #showEmpty() {
    this.els.empty.hidden = this.tasks.size > 0;
    this.els.empty.textContent = this.filter.q
      ? "No task matches the filter."
      : "No tasks yet. Run a command above.";
  }

  /** Show a task: a new one goes in its place by creation time, a known one is updated. */
  upsert(task) {
    const known = this.tasks.get(task.task_id);
    if (known) {
      if (isOutdated(task, known.task)) return;
      known.task = task;
      known.progress.update(task);
      fillRow(known.row, task, known.progress);
      return;
    }
    const row = this.els.template.content.firstElementChild.cloneNode(true);
    const progress = new ProgressState();
    progress.update(task);
    fillRow(row, task, progress);
    const next = [...this.tasks.values()].find((t) => (t.task.created_at ?? "") < (task.created_at ?? ""));
    this.els.body.insertBefore(row, next ? next.row : null);
    this.tasks.set(task.task_id, { task, row, progress });
    this.#reorder();
    this.els.empty.hidden = true;
  }

  /** A "progress" event: how far along a listed task is now. */
  showProgress(update) {
    const known = this.tasks.get(update.task_id);
    if (!known) return;
    known.progress.update(update);
    renderProgress(known.row.querySelector(".progress"), known.progress);
  }

  #reorder() {
    // The Map keeps insertion order; keep it in display order so "older" knows the oldest task.
    const sorted = [...this.tasks.entries()].sort(
      ([, a], [, b]) => (b.task.created_at ?? "").localeCompare(a.task.created_at ?? ""),
    );
    this.tasks = new Map(sorted);
  }

  #tick() {
    for (const { task, row, progress } of this.tasks.values()) {
      if (task.started_at && !isFinished(task.state)) {
        row.querySelector(".duration").textContent = formatDuration(durationSeconds(task));
        renderProgress(row.querySelector(".progress"), progress); // the time left counts down
      }
    }
  }
}

function fillRow(row, task, progress) {
  row.dataset.taskId = task.task_id;
  row.dataset.state = task.state;
  showBadge(row.querySelector(".badge"), task.state);
  const link = row.querySelector(".cmd a");
  link.href = taskPageUrl(task.task_id);
  const cmd = task.cmd ?? "(unknown command)";
  link.textContent = cmd.length > CMD_PREVIEW ? `${cmd.slice(0, CMD_PREVIEW)}…` : cmd;
  link.title = cmd;
  row.querySelector(".exit-code").textContent = formatExitCode(task.exit_code);
  row.querySelector(".created").textContent = formatTime(task.created_at);
  row.querySelector(".duration").textContent = formatDuration(durationSeconds(task));
  renderProgress(row.querySelector(".progress"), progress);
}
