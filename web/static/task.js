// The live log page. Gap-free resume: `writer.lastSeq` is the highest seq written, every
// (re)connect subscribes with after_seq = lastSeq, and the writer drops records at or below it.
// So after a dropped connection or a web server restart every line is shown exactly once.
//
// Tests read `document.body.dataset.lastSeq` (the highest seq the terminal's buffer holds) and
// `window.joblook.term` (the xterm.js Terminal), `window.joblook.socket` and
// `window.joblook.charts` (the metric charts).
import { downloadUrl, getJSON } from "/static/api.js";
import { MetricCharts } from "/static/charts.js";
import { openSocket } from "/static/connection.js";
import { config } from "/static/config.js";
import { isFinished } from "/static/format.js";
import { LogWriter } from "/static/logwriter.js";
import { EndNotifier } from "/static/notify.js";
import { attachSearch } from "/static/search.js";
import { TaskControls } from "/static/taskcontrols.js";
import { TaskHeader } from "/static/taskheader.js";
import { TaskProgress } from "/static/taskprogress.js";
import { createTerminal, SCROLLBACK } from "/static/terminal.js";

const byId = (id) => document.getElementById(id);
const taskId = new URLSearchParams(location.search).get("task_id");
const errorBox = byId("error");

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

const header = new TaskHeader(taskId, {
  cmd: byId("cmd"),
  state: byId("state"),
  exitCode: byId("exit-code"),
  started: byId("started"),
  duration: byId("duration"),
  statusNote: byId("status-note"),
});
const controls = new TaskControls(taskId, {
  cancel: byId("cancel"),
  timeout: byId("timeout"),
  timeoutItem: byId("timeout-item"),
  relations: byId("relations"),
}, showError);

const progress = new TaskProgress({ bar: byId("progress"), stall: byId("stall-note") });
const notifier = new EndNotifier(byId("notify"));
const charts = new MetricCharts(byId("charts"));

/** Fetch the task again and show it everywhere on the page. */
async function refresh() {
  const task = await header.refresh();
  progress.showTask(task);
  notifier.show(task);
  if (isFinished(task.state)) notifier.ended(task);
  await controls.show(task);
  return task;
}

/**
 * Load every metric series. "metrics" events that arrive meanwhile are added afterwards; points
 * the load already brought are skipped by their step.
 */
let metricsQueue = null;
async function loadMetrics() {
  metricsQueue = [];
  try {
    const { series } = await getJSON(`/tasks/${encodeURIComponent(taskId)}/metrics`);
    charts.replace(series);
    metricsQueue.forEach((queued) => charts.add(queued));
  } finally {
    metricsQueue = null;
  }
}

byId("download").href = downloadUrl(taskId);
const term = createTerminal(byId("terminal"), byId("jump"));
const search = attachSearch(term, {
  form: byId("search"),
  input: byId("search-input"),
  previous: byId("search-previous"),
  count: byId("search-count"),
});
const writer = new LogWriter(term, {
  onShown: (seq) => (document.body.dataset.lastSeq = String(seq)),
  onStatus: (record) => header.showStatusNote(record.log),
});
document.body.dataset.lastSeq = "0";
window.joblook = { taskId, term, writer, search, charts };

/** A log longer than the scrollback starts where the scrollback can still hold it. */
function startFor(records) {
  const start = Math.max(0, records - SCROLLBACK);
  if (start > 0) {
    const link = document.createElement("a");
    link.href = downloadUrl(taskId);
    link.textContent = "download the whole log";
    byId("window-note").replaceChildren(
      `This log has ${records.toLocaleString()} records; the first ${start.toLocaleString()} are `
        + "not shown here: ",
      link,
    );
    byId("window-note").hidden = false;
  }
  return start;
}

function follow(socket) {
  socket.on("connect", () => {
    socket.emit("subscribe", { task_id: taskId, after_seq: writer.lastSeq }, (ack) => {
      if (!ack?.ok) {
        showError(`Cannot follow this task: ${ack?.error ?? "no reply"}`);
        return;
      }
      // The room named after this task carries its "task" events (a chain's or group's steps
      // change without log records here). Once in it, read the task again: a change made before
      // we joined, or while disconnected, sent its event to nobody.
      refresh().catch((error) => showError(error.message));
    });
    loadMetrics().catch((error) => showError(error.message)); // events missed while away
  });
  socket.on("task", (task) => {
    if (task.task_id === taskId) refresh().catch((error) => showError(error.message));
  });
  // The web asks for an acknowledgement of some log events and sends this page nothing more
  // until it has one (services/joblook/web/acks.py), so acknowledge whatever happens here.
  socket.on("log", ({ task_id: id, records }, acknowledge) => {
    try {
      if (id !== taskId) return;
      writer.add(records);
      progress.sawRecords(records);
    } finally {
      acknowledge?.();
    }
  });
  socket.on("progress", (update) => {
    if (update.task_id !== taskId) return;
    progress.showProgress(update);
    header.showProgress(update.progress);
  });
  socket.on("metrics", ({ task_id: id, series, reload }) => {
    if (id !== taskId) return;
    if (reload) loadMetrics().catch((error) => showError(error.message));
    else if (metricsQueue) metricsQueue.push(series);
    else charts.add(series);
  });
  socket.on("status", ({ task_id: id, state, exit_code: exitCode }) => {
    if (id !== taskId) return;
    header.showState(state, exitCode);
    refresh().catch((error) => showError(error.message));
  });
  socket.connect();
}

async function main() {
  let task;
  try {
    task = await refresh();
  } catch (error) {
    showError(error.status === 404 ? "Unknown task: no task has this id." : error.message);
    return;
  }
  writer.startAfter(startFor(task.records));
  progress.stallSeconds = config.stall_seconds;
  const socket = openSocket(byId("connection"));
  window.joblook.socket = socket;
  follow(socket);
}

main();
