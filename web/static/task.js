// The live log page. The log is a LogViewer over lines read from GET /tasks/<id>/lines in
// windows, so a log of any length opens at its end at once. Socket.IO "log" events do not carry
// what is drawn: they say new output exists, and the page reads the lines after the last one it
// knows (one request at a time). Every (re)connect subscribes with after_seq = the highest seq
// seen and reads the lines again, so nothing is missed across a dropped connection.
//
// Tests read `document.body.dataset.lastSeq` (the highest seq the lines known reflect) and
// `window.joblook.viewer` (visibleText(), text(), following, source.total),
// `window.joblook.socket` and `window.joblook.charts` (the metric charts).
import { downloadUrl, getJSON } from "/static/api.js";
import { ArtifactsPanel } from "/static/artifacts.js";
import { MetricCharts } from "/static/charts.js";
import { openSocket } from "/static/connection.js";
import { config } from "/static/config.js";
import { formatDuration, isFinished } from "/static/format.js";
import { LineLinks } from "/static/linelinks.js";
import { LineSource } from "/static/linesource.js";
import { LogSearch } from "/static/logsearch.js";
import { LogViewer } from "/static/logviewer.js";
import { EndNotifier } from "/static/notify.js";
import { MARKER, Sections, sectionDuration } from "/static/sections.js";
import { TaskControls } from "/static/taskcontrols.js";
import { TaskHeader } from "/static/taskheader.js";
import { TaskProgress } from "/static/taskprogress.js";
import { TimeToggle } from "/static/timetoggle.js";

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
const artifacts = new ArtifactsPanel(byId("artifacts"), taskId);

/** Fetch the task again and show it everywhere on the page. */
async function refresh() {
  const task = await header.refresh();
  progress.showTask(task);
  notifier.show(task);
  if (isFinished(task.state)) notifier.ended(task);
  showTaskInLog(task);
  artifacts.show(task, isFinished(task.state)).catch((error) => showError(error.message));
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
document.body.dataset.lastSeq = "0";
let lastSeq = 0; // the highest record seq seen, in a reply or an event

const sections = new Sections(taskId);
const source = new LineSource(taskId, {
  onTotal: () => viewer.refresh(),
  onLines: () => viewer.redraw(),
  onError: (error) => showError(error.message),
  onPolled: (reply) => {
    if (reply.lines.some((line) => MARKER.test(line.text))) loadSections();
  },
});
const viewer = new LogViewer(byId("log"), source, sections, {
  onFollow: (following) => (byId("jump").hidden = following),
  formatDuration,
  sectionDuration,
});
byId("jump").addEventListener("click", () => {
  viewer.scrollToEnd();
  viewer.container.focus();
});
const search = new LogSearch(taskId, viewer, {
  form: byId("search"),
  input: byId("search-input"),
  previous: byId("search-previous"),
  count: byId("search-count"),
  regex: byId("search-regex"),
  caseSensitive: byId("search-case"),
});
const links = new LineLinks(viewer, {
  menu: byId("line-menu"),
  copy: byId("copy-link"),
  goto: byId("goto"),
  gotoInput: byId("goto-input"),
});
const times = new TimeToggle(viewer, byId("timestamps"));
window.joblook = { taskId, viewer, search, links, times, charts, artifacts };

/** Sections fold when the task ends; its start is where relative times count from. */
let ended = null; // unknown until the first read of the task
function showTaskInLog(task) {
  if (task.started_at) viewer.startTime = Date.parse(task.started_at) / 1000;
  const nowEnded = isFinished(task.state);
  sections.setState(nowEnded, task.state === "FAILURE");
  if (nowEnded && ended === false) { // it ended while the page watched
    source.poll().then(loadSections); // the last lines and the sections' ends
  }
  ended = nowEnded;
  viewer.refresh();
}

let sectionsLoading = null;
let sectionsAgain = false;
/** Read the sections again (at most one request at a time, one more if asked meanwhile). */
function loadSections() {
  if (sectionsLoading) {
    sectionsAgain = true;
    return sectionsLoading;
  }
  sectionsLoading = (async () => {
    try {
      do {
        sectionsAgain = false;
        await sections.load();
        viewer.refresh();
      } while (sectionsAgain);
    } catch (error) {
      showError(error.message);
    } finally {
      sectionsLoading = null;
    }
  })();
  return sectionsLoading;
}

/** The lines known reflect every record up to `seq`: say so to tests, and subscribe after it. */
function saw(seq) {
  lastSeq = Math.max(lastSeq, seq);
  document.body.dataset.lastSeq = String(seq);
}

function follow(socket) {
  socket.on("connect", () => {
    socket.emit("subscribe", { task_id: taskId, after_seq: lastSeq }, (ack) => {
      if (!ack?.ok) {
        showError(`Cannot follow this task: ${ack?.error ?? "no reply"}`);
        return;
      }
      // The room named after this task carries its "task" events (a chain's or group's steps
      // change without log records here). Once in it, read the task again: a change made before
      // we joined, or while disconnected, sent its event to nobody.
      refresh().catch((error) => showError(error.message));
      source.poll().then(() => saw(source.lastSeq)); // what was printed while away
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
      if (id !== taskId || !records.length) return;
      for (const record of records) {
        if (record.stream === "status" && record.seq > lastSeq) header.showStatusNote(record.log);
      }
      lastSeq = Math.max(lastSeq, records[records.length - 1].seq);
      progress.sawRecords(records);
      source.poll().then(() => saw(source.lastSeq));
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
  socket.on("status", ({ task_id: id, state, exit_code: exitCode, time }) => {
    if (id !== taskId) return;
    header.showState(state, exitCode, time);
    refresh().catch((error) => showError(error.message));
  });
  socket.connect();
}

async function main() {
  const opening = source.open(); // meanwhile: the log's end does not wait for the header
  opening.catch(() => {}); // its error is shown below, unless the task is unknown
  try {
    await refresh();
  } catch (error) {
    showError(error.status === 404 ? "Unknown task: no task has this id." : error.message);
    return;
  }
  const sectionsLoaded = loadSections(); // shows its own error
  try {
    await opening;
  } catch (error) {
    showError(error.message);
    return;
  }
  saw(source.lastSeq);
  viewer.refresh();
  await sectionsLoaded; // an address's line may lie in a folded section
  await nextTask(); // what follows runs in a task of its own, after the rows are laid out
  // The keys go to the log, unless the reader already went elsewhere (Ctrl+F while it loaded).
  const untouched = document.activeElement === null || document.activeElement === document.body;
  if (!links.follow() && untouched) viewer.container.focus();
  times.restore();
  await nextTask();
  progress.stallSeconds = config.stall_seconds;
  const socket = openSocket(byId("connection"));
  window.joblook.socket = socket;
  follow(socket);
}

/** Let the browser draw and take input before the next step (each step is then its own task). */
function nextTask() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

main();
