// The sweep page's table: one row per run, parameters as columns, then its state, progress and
// the latest value of each metric (a column per metric, added as metrics first appear).
import { taskPageUrl } from "/static/api.js";
import { formatExitCode, isOutdated, showBadge } from "/static/format.js";
import { ProgressState, renderProgress } from "/static/progress.js";

const FIXED = ["State", "Progress", "Exit"];

export class RunTable {
  /** @param {{head: HTMLElement, body: HTMLElement, progress: HTMLTemplateElement}} els */
  constructor(els) {
    this.els = els;
    this.params = [];
    this.metrics = [];
    this.runs = new Map(); // task_id -> {run, row, progress}
  }

  /** Show the runs GET /tasks/{id}/runs gave (again after a reconnect: rows are merged). */
  load({ runs, sweep }) {
    const names = sweep ? Object.keys(sweep) : [...new Set(runs.flatMap((r) => Object.keys(r.params ?? {})))];
    this.params = names.length ? names : ["Command"];
    for (const run of runs) {
      for (const name of Object.keys(run.metrics)) this.#addMetric(name);
    }
    this.#head();
    for (const run of runs) this.upsert(run);
  }

  /** A run as the table or a "task" event has it now. */
  upsert(run) {
    let known = this.runs.get(run.task_id);
    if (!known) {
      known = { run: { metrics: {}, ...run }, row: this.#row(run), progress: new ProgressState() };
      this.runs.set(run.task_id, known);
      this.els.body.append(known.row);
    } else if (isOutdated({ records: 0, ...run }, { records: 0, ...known.run })) {
      return;
    }
    known.run = { ...known.run, ...run, metrics: { ...known.run.metrics, ...(run.metrics ?? {}) } };
    known.progress.update(run);
    this.#fill(known);
  }

  /** A "progress" event. */
  showProgress(update) {
    const known = this.runs.get(update.task_id);
    if (!known) return;
    known.progress.update(update);
    renderProgress(known.row.querySelector(".progress"), known.progress);
  }

  /** A "metrics" event: new points; the last of each series is its latest value. */
  showMetrics({ task_id: taskId, series }) {
    const known = this.runs.get(taskId);
    if (!known) return;
    for (const [name, points] of Object.entries(series)) {
      if (!points.length) continue;
      if (this.#addMetric(name)) this.#head();
      known.run.metrics[name] = points.at(-1)[1];
    }
    this.#fill(known);
  }

  has(taskId) {
    return this.runs.has(taskId);
  }

  #addMetric(name) {
    if (this.metrics.includes(name)) return false;
    this.metrics.push(name);
    for (const { row } of this.runs.values()) row.append(cell("metric"));
    return true;
  }

  #head() {
    const labels = [...this.params, ...FIXED, ...this.metrics];
    this.els.head.replaceChildren(...labels.map((label) => {
      const th = document.createElement("th");
      th.textContent = label;
      return th;
    }));
  }

  #row(run) {
    const row = document.createElement("tr");
    row.dataset.taskId = run.task_id;
    for (let i = 0; i < this.params.length; i++) {
      const td = cell("param");
      const link = document.createElement("a");
      link.href = taskPageUrl(run.task_id);
      td.append(link);
      row.append(td);
    }
    const badge = document.createElement("span");
    badge.className = "badge";
    row.append(cell("state", badge));
    row.append(cell("progress-cell", this.els.progress.content.firstElementChild.cloneNode(true)));
    row.append(cell("exit-code"));
    for (let i = 0; i < this.metrics.length; i++) row.append(cell("metric"));
    return row;
  }

  #fill({ run, row, progress }) {
    row.dataset.state = run.state;
    const params = run.params ?? {};
    row.querySelectorAll(".param a").forEach((link, i) => {
      const value = params[this.params[i]];
      const shown = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
      link.textContent = run.params ? shown : (run.cmd ?? "");
    });
    showBadge(row.querySelector(".badge"), run.state);
    renderProgress(row.querySelector(".progress"), progress);
    row.querySelector(".exit-code").textContent = formatExitCode(run.exit_code);
    row.querySelectorAll(".metric").forEach((td, i) => {
      const value = run.metrics[this.metrics[i]];
      td.textContent = value === undefined ? "—" : formatMetric(value);
      td.dataset.metric = this.metrics[i];
    });
  }
}

function cell(className, child) {
  const td = document.createElement("td");
  td.className = className;
  if (child) td.append(child);
  return td;
}

function formatMetric(value) {
  return Number.isInteger(value) ? String(value) : Number(value).toPrecision(4);
}
