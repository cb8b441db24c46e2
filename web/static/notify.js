// Telling people a task ended: the tab's title says how ("✓ train.py", "✗ train.py"), and, if
// they opted in with the Notify button, a browser notification (the Notification API). The
// choice is remembered for every task page of this site.
import { formatDuration, durationSeconds, isFinished } from "/static/format.js";
import { formatPercent } from "/static/progress.js";

const STORAGE_KEY = "joblook.notify";
const SHORT = 40; // characters of the command in the title

/** The beginning of the command, for the tab title and the notification. */
export function commandStart(task) {
  const cmd = (task.cmd ?? task.task_id).trim();
  return cmd.length > SHORT ? `${cmd.slice(0, SHORT)}…` : cmd;
}

function outcomeMark(state) {
  return state === "SUCCESS" ? "✓" : "✗";
}

/** The tab title: the outcome once the task ended, else its state (and progress). */
export function titleFor(task, progress = null) {
  if (isFinished(task.state)) return `${outcomeMark(task.state)} ${commandStart(task)}`;
  if (progress !== null && task.state === "STARTED") {
    return `${formatPercent(progress)} · ${commandStart(task)} · joblook`;
  }
  return `${task.state} · ${task.cmd ?? task.task_id} · joblook`;
}

export class EndNotifier {
  #button;
  #armed = false; // the page saw the task unfinished, so its end is news
  #told = false;

  /** @param {HTMLButtonElement} button */
  constructor(button) {
    this.#button = button;
    button.addEventListener("click", () => this.#toggle());
  }

  get enabled() {
    return localStorage.getItem(STORAGE_KEY) === "on" && window.Notification?.permission === "granted";
  }

  /** The task as fetched: offers the button while it runs. */
  show(task) {
    const finished = isFinished(task.state);
    if (!finished) this.#armed = true;
    this.#button.hidden = finished || !("Notification" in window)
      || Notification.permission === "denied";
    this.#render();
  }

  /** The task has ended while the page watched: notify once, if asked to. */
  ended(task) {
    if (!this.#armed || this.#told || !isFinished(task.state)) return;
    this.#told = true;
    this.#button.hidden = true;
    if (!this.enabled) return;
    const exit = task.exit_code === null || task.exit_code === undefined
      ? "" : `, exit code ${task.exit_code}`;
    const seconds = durationSeconds(task);
    const took = seconds === null ? "" : ` after ${formatDuration(seconds)}`;
    new Notification(`${outcomeMark(task.state)} ${commandStart(task)}`, {
      body: `${task.state}${exit}${took}`,
      tag: `joblook-${task.task_id}`,
    });
  }

  async #toggle() {
    if (this.enabled) {
      localStorage.setItem(STORAGE_KEY, "off");
    } else {
      const permission = await Notification.requestPermission();
      localStorage.setItem(STORAGE_KEY, permission === "granted" ? "on" : "off");
      if (permission === "denied") this.#button.hidden = true;
    }
    this.#render();
  }

  #render() {
    const on = this.enabled;
    this.#button.setAttribute("aria-pressed", String(on));
    this.#button.textContent = on ? "Notifying when it ends ✓" : "Notify me when it ends";
  }
}
