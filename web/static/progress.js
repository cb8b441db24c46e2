// How both pages show a task's progress: a bar, the percentage and the time left. The time left
// counts down between updates, from when the estimate arrived, so a bar that redraws rarely
// does not show a stale estimate.
import { formatDuration, isFinished } from "/static/format.js";

/** Seconds left as people read them: "9s", "2m 05s", "1h 02m 05s". */
export function formatEta(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  return whole < 10 ? `${whole}s` : formatDuration(whole);
}

export function formatPercent(fraction) {
  const percent = fraction * 100;
  return `${percent < 10 && percent > 0 && percent % 1 ? percent.toFixed(1) : Math.floor(percent)}%`;
}

/** A task's progress as of now: its fraction, and the seconds left counted down since `at`. */
export class ProgressState {
  constructor() {
    this.fraction = null;
    this.eta = null;
    this.at = 0;
    this.running = false;
  }

  /** From a task (GET /tasks, a "task" event) or a "progress" event; both carry the two fields. */
  update({ progress, eta_seconds: eta, state }, now = Date.now()) {
    if (progress !== undefined) {
      this.fraction = progress;
      this.eta = eta ?? null;
      this.at = now;
    }
    if (state !== undefined) this.running = !isFinished(state);
  }

  etaLeft(now = Date.now()) {
    if (this.eta === null || !this.running) return null;
    return Math.max(0, this.eta - (now - this.at) / 1000);
  }
}

/**
 * Show `state` in a `.progress` element holding `.progress-fill` and `.progress-text`; hidden
 * while the task has not reported any progress.
 */
export function renderProgress(element, state, now = Date.now()) {
  element.hidden = state.fraction === null;
  if (element.hidden) return;
  const percent = Math.min(100, Math.max(0, state.fraction * 100));
  element.querySelector(".progress-fill").style.width = `${percent}%`;
  element.setAttribute("aria-valuenow", String(Math.round(percent)));
  const left = state.etaLeft(now);
  element.querySelector(".progress-text").textContent =
    formatPercent(state.fraction) + (left === null ? "" : ` · ${formatEta(left)} left`);
  element.dataset.running = String(state.running);
}
