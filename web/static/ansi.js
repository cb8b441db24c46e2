// Log lines' ANSI text as HTML, by ansi_up (npm): it escapes the text, so a line can never
// inject markup, and it turns SGR codes (16, 256 and true colours, bold, faint, italic,
// underline) into inline styles.
//
// Colours carry across lines, as in a terminal: the server gives each line the SGR state its
// stream left on before it (`sgr`, e.g. "1;31", see store/lines/sgr.py), so a line drawn in a
// window that starts mid-log is coloured as if every line above it had been drawn. ansi_up holds
// the state within a line; each line starts from a reset plus the state carried into it.
//
// Rows are filled many at a time (a scroll moves every row): lines without escapes are plain
// text (no HTML parsing at all), and the others are parsed in one go (renderLines).
import { AnsiUp } from "/vendor/ansi_up.js";

const renderer = new AnsiUp();
renderer.escape_html = true; // the default; said here because safety depends on it
const RESET = "\x1b[0m";
const ESC = "\x1b";

/** The escapes a line starts with: a reset, then the state carried into it. */
function opening(sgr) {
  return sgr ? `${RESET}${ESC}[${sgr}m` : RESET;
}

/** True when the line needs ansi_up: it has escapes or inherits a colour. */
export function isStyled(line) {
  return Boolean(line.sgr) || line.text.includes(ESC);
}

/** The line's HTML, safe to assign to innerHTML. `line` is {text, sgr?}. */
export function lineHtml(line) {
  return renderer.ansi_to_html(opening(line.sgr) + line.text + RESET);
}

const parser = document.createElement("template");

/**
 * The rendered content of each styled line, parsed with one innerHTML for all of them (an HTML
 * parser per row costs more than the rows' whole layout). Returns DocumentFragments, in order.
 */
export function renderLines(lines) {
  if (!lines.length) return [];
  parser.innerHTML = lines.map((line) => `<span>${lineHtml(line)}</span>`).join("");
  const fragments = [];
  for (const wrapper of [...parser.content.children]) {
    const fragment = document.createDocumentFragment();
    fragment.append(...wrapper.childNodes);
    fragments.push(fragment);
  }
  parser.innerHTML = "";
  return fragments;
}

/**
 * Wrap the characters at `ranges` ([[start, end], ...] offsets in the element's text, as the
 * search endpoint gives them over the line's ANSI-stripped text) in <mark> elements, keeping the
 * colour spans around them. Returns false when the element's text is not that plain text.
 */
export function markRanges(element, ranges, plain, className = "match") {
  if (plain !== undefined && element.textContent !== plain) return false;
  const sorted = [...ranges].sort((a, b) => b[0] - a[0]); // from the end: offsets stay valid
  for (const [start, end] of sorted) wrapRange(element, start, end, className);
  return true;
}

function wrapRange(element, start, end, className) {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const pieces = [];
  let offset = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const length = node.data.length;
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + length);
    if (from < to) pieces.push([node, from - offset, to - offset]);
    offset += length;
    if (offset >= end) break;
  }
  for (const [node, from, to] of pieces) {
    const range = document.createRange();
    range.setStart(node, from);
    range.setEnd(node, to);
    const mark = document.createElement("mark");
    mark.className = className;
    range.surroundContents(mark);
  }
}
