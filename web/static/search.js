// The search box over the terminal's whole scrollback (@xterm/addon-search): Enter or "next"
// finds the next match, Shift+Enter or "previous" the one before; every match is highlighted.
// Ctrl/Cmd+F focuses the box, since the browser's own find sees only the rows on screen.
import { SearchAddon } from "/vendor/addon-search.mjs";

const DECORATIONS = {
  matchBackground: "#5c4a16",
  matchBorder: "#8a6d1f",
  matchOverviewRuler: "#d1a225",
  activeMatchBackground: "#d1a225",
  activeMatchBorder: "#ffe08a",
  activeMatchColorOverviewRuler: "#ffe08a",
};
const TYPING_PAUSE_MS = 200; // search as the user types, once they pause

/**
 * @param {import("@xterm/xterm").Terminal} term
 * @param {{form: HTMLFormElement, input: HTMLInputElement, previous: HTMLButtonElement, count: HTMLElement}} els
 */
export function attachSearch(term, els) {
  const addon = new SearchAddon();
  term.loadAddon(addon);
  const search = (direction, incremental = false) => {
    const text = els.input.value;
    if (!text) {
      addon.clearDecorations();
      els.count.textContent = "";
      return;
    }
    const options = { decorations: DECORATIONS, incremental };
    const found = direction === "next" ? addon.findNext(text, options) : addon.findPrevious(text, options);
    if (!found) showCount(els.count, 0, -1);
  };
  addon.onDidChangeResults(({ resultIndex, resultCount }) => showCount(els.count, resultCount, resultIndex));
  bindControls(els, addon, search);
  focusOnFindShortcut(term, els.input);
  return addon;
}

function bindControls(els, addon, search) {
  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    search("next");
  });
  els.previous.addEventListener("click", () => search("previous"));
  let typing = 0;
  els.input.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => search("next", true), TYPING_PAUSE_MS);
  });
  els.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.shiftKey) {
      event.preventDefault();
      search("previous");
    } else if (event.key === "Escape") {
      els.input.value = "";
      search("next");
    }
  });
  els.input.addEventListener("blur", () => addon.clearActiveDecoration());
}

function showCount(element, count, index) {
  if (count === 0) element.textContent = "no matches";
  else if (index < 0) element.textContent = `${count}+ matches`;
  else element.textContent = `${index + 1} of ${count}`;
}

function focusOnFindShortcut(term, input) {
  const isFind = (event) => (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "f";
  term.attachCustomKeyEventHandler((event) => !isFind(event));
  document.addEventListener(
    "keydown",
    (event) => {
      if (!isFind(event)) return;
      event.preventDefault();
      input.focus();
      input.select();
    },
    true,
  );
}
