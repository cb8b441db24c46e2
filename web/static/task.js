// The live log page. Gap-free resume: `writer.lastSeq` is the highest seq written, every
// (re)connect subscribes with after_seq = lastSeq, and the writer drops records at or below it.
// So after a dropped connection or a web server restart every line is shown exactly once.
//
// Tests read `document.body.dataset.lastSeq` (the highest seq the terminal's buffer holds) and
// `window.joblook.term` (the xterm.js Terminal) and `window.joblook.socket`.
import { downloadUrl } from "/static/api.js";
import { openSocket } from "/static/connection.js";
import { LogWriter } from "/static/logwriter.js";
import { attachSearch } from "/static/search.js";
import { TaskControls } from "/static/taskcontrols.js";
import { TaskHeader } from "/static/taskheader.js";
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

/** Fetch the task again and show it in the header and the controls. */
async function refresh() {
  const task = await header.refresh();
  await controls.show(task);
  return task;
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
window.joblook = { taskId, term, writer, search };

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
      if (!ack?.ok) showError(`Cannot follow this task: ${ack?.error ?? "no reply"}`);
    });
    // A chain's or group's steps change without log records here. Once in the room, read the
    // task again: a change made before we joined (or while disconnected) sent its event to nobody.
    socket.emit("watch_tasks", () => refresh().catch((error) => showError(error.message)));
  });
  socket.on("task", (task) => {
    if (task.task_id === taskId || task.parent === taskId) {
      refresh().catch((error) => showError(error.message));
    }
  });
  socket.on("log", ({ task_id: id, records }) => {
    if (id === taskId) writer.add(records);
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
  const socket = openSocket(byId("connection"));
  window.joblook.socket = socket;
  follow(socket);
}

main();
