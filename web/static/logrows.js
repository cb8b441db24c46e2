// One row of the log viewer: a gutter (line number, optional time, the line's menu button),
// then the line's text as ANSI-rendered HTML (ansi.js). A section's marker row also has a fold
// toggle and the section's duration. Server text goes in through ansi_up's escaping or
// textContent only.
//
// Rows are refilled on every scroll, so a row keeps references to its parts (no querySelector)
// and a line without escapes is set as text, never parsed as HTML.
import { isStyled, lineHtml, markRanges, renderLines } from "/static/ansi.js";

const parts = new WeakMap(); // row element -> {number, time, menu, text}

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
  parts.set(row, { number, time, menu, text });
  return row;
}

/**
 * Show each state in its row element: [row, state] pairs. The styled lines among them are
 * rendered in one HTML parse.
 */
export function fillRows(pairs) {
  const styled = pairs.filter(([, state]) => needsHtml(state));
  const fragments = renderLines(styled.map(([, state]) => state.line ?? state.partial));
  const rendered = new Map(styled.map(([row], i) => [row, fragments[i]]));
  for (const [row, state] of pairs) fillRow(row, state, rendered.get(row));
}

function needsHtml(state) {
  const source = state.line ?? state.partial;
  return Boolean(source) && isStyled(source);
}

/** Show `state` in an existing row element (`rendered`: its styled text, already parsed). */
function fillRow(row, state, rendered) {
  const { number, time, menu, text } = parts.get(row);
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
  const part = parts.get(row);
  part.fold?.remove();
  part.duration?.remove();
  part.fold = part.duration = null;
  if (section) addSection(row, text, state, part);
  fillText(text, state, rendered);
}

function addSection(row, text, { section, folded, duration }, part) {
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
  part.fold = fold;
  part.duration = time;
}

function fillText(element, state, rendered) {
  const source = state.line ?? state.partial;
  if (!source) {
    element.textContent = "…";
    return;
  }
  if (rendered) element.replaceChildren(rendered); // escaped by ansi_up
  else if (isStyled(source)) element.innerHTML = lineHtml(source); // escaped by ansi_up
  else element.textContent = source.text;
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

/** The text a line shows, without its escape codes. `line` is {text, sgr?}. */
export function plainText(line) {
  if (!isStyled(line)) return line.text;
  const element = document.createElement("span");
  element.innerHTML = lineHtml(line);
  return element.textContent;
}
