// A sweep's page (or a chain's or group's): its runs as a table that keeps itself current from
// the "task", "progress" and "metrics" events of the runs' rooms (joined by "watch_runs").
import { getJSON } from "/static/api.js";
import { openSocket } from "/static/connection.js";
import { showErrorIn } from "/static/errors.js";
import { showBadge } from "/static/format.js";
import { RunTable } from "/static/runtable.js";

const byId = (id) => document.getElementById(id);
const parentId = new URLSearchParams(location.search).get("task_id");
const table = new RunTable({ head: byId("runs-head"), body: byId("runs-body"), progress: byId("progress-cell") });

function showError(error) {
  showErrorIn(byId("error"), error);
}

function showParent(parent) {
  byId("cmd").textContent = parent.cmd ?? "";
  showBadge(byId("state"), parent.state);
  document.title = `joblook ${parent.kind}: ${parent.job ?? parent.cmd ?? ""}`;
}

function summarise() {
  const counts = {};
  for (const { run } of table.runs.values()) counts[run.state] = (counts[run.state] ?? 0) + 1;
  byId("summary").textContent = `${table.runs.size} runs: ` +
    Object.entries(counts).map(([state, n]) => `${n} ${state}`).join(", ");
}

async function load() {
  const data = await getJSON(`/tasks/${encodeURIComponent(parentId)}/runs`);
  showParent(data);
  table.load(data);
  summarise();
}

const socket = openSocket(byId("connection"));
socket.on("task", (task) => {
  if (task.task_id === parentId) showParent({ ...task, job: null });
  else if (table.has(task.task_id)) {
    table.upsert(task);
    summarise();
  }
});
socket.on("progress", (update) => table.showProgress(update));
socket.on("metrics", (update) => table.showMetrics(update));
socket.on("connect", () => {
  // Join first, then (re)load: a change made in between is in the reply or in an event.
  socket.emit("watch_runs", { task_id: parentId }, async (reply) => {
    try {
      if (!reply?.ok) throw new Error(reply?.error ?? "cannot watch this task's runs");
      await load();
      document.body.dataset.live = "true";
    } catch (error) {
      showError(error);
    }
  });
});
socket.on("disconnect", () => delete document.body.dataset.live);
socket.connect();
