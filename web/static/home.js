// The home page: launch a command or a named job, watch the recent tasks change live, link to Flower.
import { postJSON, taskPageUrl } from "/static/api.js";
import { config } from "/static/config.js";
import { openSocket } from "/static/connection.js";
import { showErrorIn } from "/static/errors.js";
import { showJobForms } from "/static/jobforms.js";
import { launchOptions, readLaunchFields } from "/static/launchfields.js";
import { TaskList } from "/static/tasklist.js";

const byId = (id) => document.getElementById(id);
const form = byId("launch");
const errorBox = byId("error");
form.append(launchOptions()); // below the one-line form, closed until wanted

function showError(error) {
  showErrorIn(errorBox, error);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const body = { cmd: form.elements.cmd.value, ...readLaunchFields(form.elements) };
    const { task_id: taskId } = await postJSON("/enqueue", body);
    location.assign(taskPageUrl(taskId));
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
});

const list = new TaskList({
  body: byId("tasks-body"),
  template: byId("task-row"),
  empty: byId("no-tasks"),
  older: byId("older"),
}, showError);

// The filter box: reload the list a moment after typing stops (each reload asks the server).
const filter = byId("filter");
let filterTimer;
function applyFilter() {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    list.setFilter(filter.elements.q.value, filter.elements.output.checked).catch(showError);
    watchOutput();
  }, 300);
}

// Filtering by output: ask the server for "output_match" events for the text (it searches only
// the lines tasks add), and ask again before the text lapses there (two minutes).
const WATCH_OUTPUT_MS = 60_000;
let watchTimer;
function watchOutput() {
  clearInterval(watchTimer);
  const q = list.outputFilter;
  if (!q) return;
  const ask = () => socket.connected && socket.emit("watch_output", { q });
  ask();
  watchTimer = setInterval(ask, WATCH_OUTPUT_MS);
}
filter.addEventListener("input", applyFilter);
filter.addEventListener("submit", (event) => {
  event.preventDefault();
  applyFilter();
});

function showFlowerLink() {
  const link = byId("flower");
  link.href = config.flower_url;
  link.hidden = false;
}

const socket = openSocket(byId("connection"));
socket.on("task", (task) => list.upsertLive(task));
socket.on("progress", (update) => list.showProgress(update));
socket.on("output_match", (match) => list.upsertOutputMatch(match));
socket.on("connect", () => {
  // Watch first, then (re)load: a change made in between is in the reply or in an event.
  watchOutput();
  socket.emit("watch_tasks", async () => {
    try {
      await list.loadNewest();
      document.body.dataset.live = "true";
    } catch (error) {
      showError(error);
    }
  });
});
socket.on("disconnect", () => delete document.body.dataset.live);

showFlowerLink();
showJobForms(byId("jobs"), byId("job-forms")).catch(showError);
socket.connect();
