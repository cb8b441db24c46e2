// The task's output as a read-only xterm.js terminal (its DOM renderer keeps the visible rows in
// the page as real, selectable text), fitted to its container, following new output.
//
// Following: xterm.js keeps the viewport on the newest line until the user scrolls up, and then
// leaves it where the user put it. The "jump to latest" button shows exactly while the viewport
// is above the bottom; it scrolls back down, which resumes following.
import { Terminal } from "/vendor/xterm.mjs";
import { FitAddon } from "/vendor/addon-fit.mjs";

export const SCROLLBACK = 200_000; // lines kept; each costs about 12 bytes per column

const THEME = {
  background: "#0f1419",
  foreground: "#d8dee9",
  cursor: "#0f1419", // the task writes, nobody types: hide the cursor
  selectionBackground: "#3b5070",
};

/**
 * @param {HTMLElement} container the element the terminal fills
 * @param {HTMLButtonElement} jumpButton shown while scrolled up
 */
export function createTerminal(container, jumpButton) {
  const term = new Terminal({
    convertEol: true, // records end lines with a bare \n
    scrollback: SCROLLBACK,
    disableStdin: true,
    cursorBlink: false,
    cursorInactiveStyle: "none",
    fontFamily: '"DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace',
    fontSize: 13,
    theme: THEME,
    allowProposedApi: true, // the search addon's match highlights are decorations, still "proposed"
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(container);
  fitWhenResized(container, fit);
  followOutput(term, jumpButton);
  return term;
}

function fitWhenResized(container, fit) {
  fit.fit();
  let pending = 0;
  new ResizeObserver(() => {
    // Resizing reflows the whole scrollback; do it once the window stops changing.
    clearTimeout(pending);
    pending = setTimeout(() => fit.fit(), 100);
  }).observe(container);
}

function followOutput(term, jumpButton) {
  let scrolledUp = false;
  const update = () => {
    const buffer = term.buffer.active;
    const up = buffer.viewportY < buffer.baseY;
    if (up !== scrolledUp) {
      scrolledUp = up;
      jumpButton.hidden = !up;
    }
  };
  term.onScroll(update); // fires on every new line too, so it stays cheap
  term.onWriteParsed(update);
  jumpButton.addEventListener("click", () => {
    term.scrollToBottom();
    update();
  });
}
