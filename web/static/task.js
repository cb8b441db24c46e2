// The live log page: subscribes with after_seq = the last seq shown, so a reconnect resumes
// exactly where it stopped; records at or below that seq are dropped as duplicates.
import { io } from "/vendor/socket.io.esm.min.js";
import { token } from "/static/api.js";

const taskId = new URLSearchParams(location.search).get("task_id");
const logView = document.getElementById("log");
const stateBadge = document.getElementById("state");
const connection = document.getElementById("connection");
let lastSeq = 0;

function showState(state, exitCode) {
  stateBadge.textContent = exitCode === null || exitCode === undefined ? state : `${state} (exit ${exitCode})`;
  stateBadge.dataset.state = state;
}

function append(records) {
  const atBottom = logView.scrollHeight - logView.scrollTop - logView.clientHeight < 8;
  const fragment = document.createDocumentFragment();
  for (const record of records) {
    if (record.seq <= lastSeq) continue;
    lastSeq = record.seq;
    if (record.stream === "status") continue;
    const span = document.createElement("span");
    span.className = record.stream;
    span.textContent = record.log;
    fragment.append(span);
  }
  logView.append(fragment);
  document.body.dataset.lastSeq = String(lastSeq);
  if (atBottom) logView.scrollTop = logView.scrollHeight;
}

const socket = io({ auth: token ? { token } : {}, transports: ["websocket"] });

socket.on("connect", () => {
  connection.textContent = "connected";
  socket.emit("subscribe", { task_id: taskId, after_seq: lastSeq }, (ack) => {
    if (!ack.ok) showState(`error: ${ack.error}`);
  });
});
socket.on("disconnect", () => { connection.textContent = "reconnecting"; });
socket.on("log", ({ task_id: id, records }) => { if (id === taskId) append(records); });
socket.on("status", ({ task_id: id, state, exit_code: exitCode }) => {
  if (id === taskId) showState(state, exitCode);
});
