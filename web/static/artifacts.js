// The task page's artifacts panel: the files the command left in $JOBLOOK_ARTIFACTS, shown once
// the task has ended. Images (PNG, JPEG, SVG) inline; text and CSV previewed (their first lines,
// CSV as a table); anything else as a link with its size. Every name and cell is written with
// textContent, and SVGs are shown through <img>, where they can run no script.

import { getJSON } from "/static/api.js";

const PREVIEW_LINES = 20;
const PREVIEW_MAX_BYTES = 256 * 1024; // larger text files are only linked: no big download
const IMAGES = new Set(["image/png", "image/jpeg", "image/svg+xml"]);
const TEXT = /^text\/|^application\/json$/;

/** "1.5 MiB": a size for people. */
export function formatBytes(bytes) {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** One CSV line's cells: commas separate, double quotes quote ("" is a quote). */
export function csvCells(line) {
  const cells = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted && char === '"' && line[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === "," && !quoted) {
      cells.push(cell);
      cell = "";
    } else {
      cell += char;
    }
  }
  cells.push(cell);
  return cells;
}

function artifactUrl(taskId, name) {
  const path = name.split("/").map(encodeURIComponent).join("/");
  return `/tasks/${encodeURIComponent(taskId)}/artifacts/${path}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class ArtifactsPanel {
  constructor(section, taskId) {
    this.section = section;
    this.taskId = taskId;
    this.loaded = false;
  }

  /** Load the list once the task has ended (a running command's files are not kept yet). */
  async show(task, finished) {
    if (this.loaded || !finished) return;
    this.loaded = true;
    const listing = await getJSON(`/tasks/${encodeURIComponent(this.taskId)}/artifacts`);
    this.render(listing);
  }

  render({ files, skipped, total_bytes: total }) {
    this.section.replaceChildren();
    if (!files.length && !skipped.length) {
      this.section.hidden = true;
      return;
    }
    const title = `Artifacts: ${files.length} file${files.length === 1 ? "" : "s"}, ${formatBytes(total)}`;
    this.section.append(element("h2", "artifacts-title", title));
    const list = element("ul", "artifact-list");
    files.forEach((file) => list.append(this.item(file)));
    this.section.append(list);
    if (skipped.length) {
      const left = element("ul", "artifact-skipped");
      skipped.forEach(({ name, reason }) => left.append(element("li", "", `${name}: not kept, ${reason}`)));
      this.section.append(element("h3", "", "Left out"), left);
    }
    this.section.hidden = false;
  }

  item(file) {
    const url = artifactUrl(this.taskId, file.name);
    const item = element("li", "artifact");
    item.dataset.name = file.name;
    item.dataset.kind = IMAGES.has(file.type) ? "image" : file.type === "text/csv" ? "csv" : TEXT.test(file.type) ? "text" : "file";
    const link = element("a", "artifact-link", file.name);
    link.href = url;
    link.download = file.name.split("/").pop();
    item.append(link, element("span", "artifact-size", formatBytes(file.size)));
    if (item.dataset.kind === "image") {
      const image = element("img", "artifact-image");
      image.src = url;
      image.alt = file.name;
      image.loading = "lazy";
      item.append(image);
    } else if (item.dataset.kind !== "file" && file.size <= PREVIEW_MAX_BYTES) {
      this.preview(item, url, item.dataset.kind === "csv");
    }
    return item;
  }

  async preview(item, url, asTable) {
    const response = await fetch(url);
    if (!response.ok) return;
    const lines = (await response.text()).split(/\r?\n/).filter((line, i, all) => line || i < all.length - 1);
    const shown = lines.slice(0, PREVIEW_LINES);
    if (asTable) {
      const table = element("table", "artifact-table");
      shown.forEach((line, row) => {
        const tr = element("tr");
        csvCells(line).forEach((cell) => tr.append(element(row === 0 ? "th" : "td", "", cell)));
        table.append(tr);
      });
      item.append(table);
    } else {
      item.append(element("pre", "artifact-text", shown.join("\n")));
    }
    if (lines.length > PREVIEW_LINES) {
      item.append(element("p", "note", `first ${PREVIEW_LINES} of ${lines.length} lines`));
    }
  }
}
