// One log line's ANSI text as HTML, by ansi_up (npm): it escapes the text, so a line can never
// inject markup, and it turns SGR codes (16, 256 and true colours, bold, italic, underline) into
// inline styles. Each line is rendered on its own, from a reset state: the viewer fetches windows
// of lines from anywhere in the log, so a colour left on by a line that is not loaded cannot leak
// into the next (the price: a colour set on one line and reset lines later covers only its line).
import { AnsiUp } from "/vendor/ansi_up.js";

const renderer = new AnsiUp();
renderer.escape_html = true; // the default; said here because safety depends on it
const RESET = "\x1b[0m";

/** The line's HTML, safe to assign to innerHTML. */
export function lineHtml(text) {
  return renderer.ansi_to_html(RESET + text + RESET);
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
