// The button that shows each line's time in the gutter: off, the clock time it was printed, or
// the time since the task started. The choice is kept in localStorage for every task page.

const KEY = "joblook.timestamps";
const MODES = ["off", "absolute", "relative"];
const LABELS = { off: "Time: off", absolute: "Time: clock", relative: "Time: since start" };

export class TimeToggle {
  /**
   * @param {import("/static/logviewer.js").LogViewer} viewer
   * @param {HTMLButtonElement} button
   */
  #chosen = false; // the reader clicked: what was stored no longer applies

  constructor(viewer, button) {
    this.viewer = viewer;
    this.button = button;
    this.set("off", false);
    button.addEventListener("click", () => {
      this.#chosen = true;
      this.set(MODES[(MODES.indexOf(viewer.timeMode) + 1) % MODES.length]);
    });
  }

  /**
   * Show the mode last chosen. Apart from the constructor: a page's first localStorage read
   * waits for the browser to open the storage, which can hold the tab longer than a frame.
   */
  restore() {
    let stored = null;
    try {
      stored = localStorage.getItem(KEY);
    } catch {
      // storage refused (private mode, policy): times stay off
    }
    if (!this.#chosen && MODES.includes(stored)) this.set(stored, false);
  }

  set(mode, remember = true) {
    this.viewer.timeMode = mode;
    this.viewer.container.dataset.times = mode;
    this.button.textContent = LABELS[mode];
    this.button.setAttribute("aria-pressed", String(mode !== "off"));
    this.button.dataset.mode = mode;
    if (remember) {
      try {
        localStorage.setItem(KEY, mode);
      } catch {
        // not remembered; the page still shows it
      }
    }
    this.viewer.redraw();
  }
}
