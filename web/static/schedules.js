// The home page's schedules: each one's next run in words, its last runs as state badges,
// pause/resume/delete, and a form to add one. Reloaded every few seconds and after each change
// (a schedule fires from the scheduler, which sends no live event).
import { ApiError, deleteJSON, getJSON, patchJSON, postJSON, taskPageUrl } from "/static/api.js";
import { changeThen, showErrorIn } from "/static/errors.js";
import { showBadge } from "/static/format.js";
import { launchInputs, readLaunchFields } from "/static/launchfields.js";

const RELOAD_MS = 5000;
const byId = (id) => document.getElementById(id);
const list = byId("schedule-list");
const template = byId("schedule-row");
const errorBox = byId("schedule-error");
const form = byId("schedule-form");
const PREFIX = "schedule_"; // its inputs' names: schedule_queue, schedule_retries...
byId("schedule-options").append(...launchInputs(PREFIX));

/** "in 5 minutes", "in 2 hours", "in a few seconds": how far off an ISO time is. */
export function inWords(iso, now = Date.now()) {
  const seconds = (Date.parse(iso) - now) / 1000;
  if (seconds < 45) return "in a few seconds";
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) {
    if (seconds >= size * 0.95) {
      const count = Math.round(seconds / size);
      return `in ${count} ${unit}${count === 1 ? "" : "s"}`;
    }
  }
  return "in a minute";
}

function whenText(schedule) {
  if (schedule.paused) return `paused — ${schedule.description}`;
  const next = schedule.next_runs[0];
  return next ? `${inWords(next)} — ${schedule.description}` : schedule.description;
}

/** How each run goes, in words: "queue gpu · 1 GPU · timeout 60 s · 2 retries, first after 5 s". */
export function launchText(schedule) {
  const parts = [];
  if (schedule.queue) parts.push(`queue ${schedule.queue}`);
  if (schedule.gpus) parts.push(`${schedule.gpus} GPU${schedule.gpus === 1 ? "" : "s"}`);
  if (schedule.secrets?.length) parts.push(`secrets ${schedule.secrets.join(", ")}`);
  if (schedule.timeout) parts.push(`timeout ${schedule.timeout} s`);
  if (schedule.retries) {
    const delay = schedule.retry_delay ? `, first after ${schedule.retry_delay} s` : "";
    parts.push(`${schedule.retries} ${schedule.retries === 1 ? "retry" : "retries"}${delay}`);
  }
  if (schedule.notify?.length) parts.push(`notify ${schedule.notify.join(", ")}`);
  return parts.join(" · ");
}

function runItem(run) {
  const item = document.createElement("li");
  const badge = document.createElement("span");
  badge.className = "badge";
  if (run.task_id) {
    const link = document.createElement("a");
    link.href = taskPageUrl(run.task_id);
    showBadge(badge, run.state);
    link.append(badge);
    item.append(link);
  } else {
    badge.textContent = "not started";
    badge.dataset.state = "FAILURE";
    item.append(badge);
  }
  item.title = `due ${run.due_at}${run.message ? `: ${run.message}` : ""}`;
  return item;
}

function row(schedule) {
  const item = template.content.firstElementChild.cloneNode(true);
  item.id = `schedule-${schedule.schedule_id}`;
  item.dataset.scheduleId = schedule.schedule_id;
  item.querySelector(".schedule-name").textContent = schedule.name;
  item.querySelector(".schedule-what").textContent = schedule.cmd ?? `job ${schedule.job}`;
  item.querySelector(".schedule-paused").hidden = !schedule.paused;
  item.querySelector(".schedule-launch").textContent = launchText(schedule);
  const when = item.querySelector(".schedule-when");
  when.textContent = whenText(schedule);
  if (schedule.next_runs[0]) when.title = `next: ${schedule.next_runs.join(", ")}`;
  item.querySelector(".schedule-runs").append(...schedule.last_runs.map(runItem));
  const toggle = item.querySelector(".schedule-toggle");
  toggle.textContent = schedule.paused ? "Resume" : "Pause";
  toggle.addEventListener("click", () => change(() =>
    patchJSON(path(schedule), { paused: !schedule.paused })));
  item.querySelector(".schedule-delete").addEventListener("click", () => change(() =>
    deleteJSON(path(schedule))));
  return item;
}

function path(schedule) {
  return `/schedules/${encodeURIComponent(schedule.schedule_id)}`;
}

function change(action) {
  return changeThen(errorBox, action, reload);
}

async function reload() {
  try {
    const { schedules, schedulers } = await getJSON("/schedules");
    list.replaceChildren(...schedules.map(row));
    byId("no-schedules").hidden = schedules.length > 0;
    byId("no-scheduler").hidden = schedulers > 0 || schedules.length === 0;
    document.body.dataset.schedulesLoaded = "true";
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) showErrorIn(errorBox, error);
  }
}

byId("schedule-add").addEventListener("click", () => form.requestSubmit());
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const fields = form.elements;
  const body = { cmd: fields.schedule_cmd.value };
  const when = fields.schedule_when.value.trim();
  if (fields.schedule_kind.value === "cron") body.cron = when;
  else body.every = Number(when);
  const name = fields.schedule_name.value.trim();
  if (name) body.name = name;
  Object.assign(body, readLaunchFields(fields, PREFIX));
  change(async () => {
    await postJSON("/schedules", body);
    form.reset();
  });
});

reload();
setInterval(reload, RELOAD_MS);
