// How both pages show a task's state, times and durations.
import { config } from "/static/config.js";

// From the server (joblook.record.State): the pages keep no list of their own.
const TERMINAL_STATES = new Set(config.terminal_states);
const STATE_ORDER = config.states;

export function isFinished(state) {
  return TERMINAL_STATES.has(state);
}

/** How far along its lifecycle a state is; a task never moves back, so a higher rank is newer.
 * Every terminal state ranks the same: they are alternatives, not steps. */
function stateRank(state) {
  return isFinished(state) ? STATE_ORDER.length : STATE_ORDER.indexOf(state);
}

/**
 * True when `candidate` is an older view of the task than `current`: a reply that left the
 * server before a later event. A task only moves forward and its record count only grows.
 */
export function isOutdated(candidate, current) {
  // A retried task's first attempt stands for all of them: after a FAILURE its next attempt
  // makes it PENDING again, so more attempts is newer whatever the states say.
  const attempts = (candidate.attempts?.length ?? 0) - (current.attempts?.length ?? 0);
  if (attempts !== 0) return attempts < 0;
  const rank = stateRank(candidate.state) - stateRank(current.state);
  return rank < 0 || (rank === 0 && candidate.records < current.records);
}

export function showBadge(element, state) {
  element.textContent = state || "…";
  element.dataset.state = state || "";
}

export function formatTime(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

/** Seconds from the task's start to its end, or to now while it runs; null before it starts. */
export function durationSeconds(task, now = Date.now()) {
  if (!task.started_at) return null;
  const end = task.finished_at ? Date.parse(task.finished_at) : now;
  return Math.max(0, (end - Date.parse(task.started_at)) / 1000);
}

export function formatDuration(seconds) {
  if (seconds === null) return "—";
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  if (h) return `${h}h ${String(m).padStart(2, "0")}m ${s}s`;
  return m ? `${m}m ${s}s` : `${total}s`;
}

export function formatExitCode(exitCode) {
  return exitCode === null || exitCode === undefined ? "—" : String(exitCode);
}
