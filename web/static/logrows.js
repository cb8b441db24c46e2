// One row of the log viewer: a gutter (line number, optional time, the line's menu button),
// then the line's text as ANSI-rendered HTML (ansi.js). A section's marker row also has a fold
// toggle and the section's duration. Server text goes in through ansi_up's escaping or
// textContent only.
import { lineHtml, markRanges } from "/static/ansi.js";

/**
 * What a row shows. `line` is {n, text, time, stream} or undefined while not loaded; a partial
 * row (an unterminated line, e.g. a progress bar's latest frame) has `partial` instead of `n`.
 * @typedef {{n?: number, line?: object, partial?: object, section?: object, folded?: boolean,
 *   duration?: string, time?: string, selected?: boolean, match?: object|null,
 *   pattern?: ((plain: string) => Array<[number, number]>)|null}} RowState
 */

/** A new row element for `state`. */
export function buildRow(state) {
  const row = document.createElement("div");
  row.className = "row";
  const gutter = document.createElement("span");
  gutter.className = "gutter";
  const number = document.createElement("a");
  number.className = "ln";
  const time = document.createElement("span");
  time.className = "ts";
  const menu = document.createElement("button");
  menu.type = "button";
  menu.className = "line-menu";
  menu.textContent = "⋮";
  menu.tabIndex = -1;
  gutter.append(number, time, menu);
  const text = document.createElement("span");
  text.className = "text";
  row.append(gutter, text);
  fillRow(row, state);
  return row;
}

/** Show `state` in an existing row element. */
export function fillRow(row, state) {
  const gutter = row.querySelector(".gutter");
  const text = row.querySelector(".text");
  const [number, time, menu] = gutter.children;
  const { n, line, partial, section } = state;
  row.dataset.n = n ?? "";
  row.className = "row";
  const stream = (line ?? partial)?.stream;
  if (stream === "stderr") row.classList.add("stderr");
  if (partial) row.classList.add("partial");
  if (!line && !partial) row.classList.add("loading");
  if (state.selected) row.classList.add("selected");
  if (state.match && state.match.n === n) row.classList.add("current");
  number.textContent = n ? String(n) : "";
  if (n) number.href = `#L${n}`;
  else number.removeAttribute("href");
  number.tabIndex = -1;
  time.textContent = state.time ?? "";
  menu.hidden = !n;
  row.querySelector(".fold")?.remove();
  row.querySelector(".duration")?.remove();
  if (section) addSection(row, text, state);
  fillText(text, state);
}

function addSection(row, text, { section, folded, duration }) {
  row.classList.add("section", folded ? "folded" : "open");
  row.style.setProperty("--depth", String(section.depth ?? 0));
  const fold = document.createElement("button");
  fold.type = "button";
  fold.className = "fold";
  fold.tabIndex = -1;
  fold.textContent = folded ? "▸" : "▾";
  fold.title = folded ? "Unfold this section" : "Fold this section";
  fold.setAttribute("aria-expanded", String(!folded));
  text.before(fold);
  const time = document.createElement("span");
  time.className = "duration";
  time.textContent = duration ?? "";
  text.after(time);
}

function fillText(element, state) {
  const source = state.line ?? state.partial;
  if (!source) {
    element.textContent = "…";
    return;
  }
  element.innerHTML = lineHtml(source.text); // escaped by ansi_up
  if (!state.n) return;
  if (state.section && !(state.match && state.match.n === state.n)) {
    // A section's marker row reads as its title; the line as printed is its tooltip.
    element.title = element.textContent;
    element.textContent = state.section.title || element.textContent;
    return;
  }
  element.removeAttribute("title");
  const plain = element.textContent;
  if (state.match && state.match.n === state.n) {
    if (!markRanges(element, state.match.ranges, state.match.plain, "match current")) {
      // The rendered text is not the server's plain text (an escape ansi_up reads otherwise):
      // show the plain text, so the highlighted characters are the ones that matched.
      element.textContent = state.match.plain;
      markRanges(element, state.match.ranges, undefined, "match current");
    }
  } else if (state.pattern) {
    const ranges = state.pattern(plain);
    if (ranges.length) markRanges(element, ranges, undefined, "match");
  }
}

/** The text a line shows, without its escape codes. */
export function plainText(text) {
  const element = document.createElement("span");
  element.innerHTML = lineHtml(text);
  return element.textContent;
}
