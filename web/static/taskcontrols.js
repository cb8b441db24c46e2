// What can be done with a task and where it belongs: the Cancel button while it has not ended,
// its timeout, and links between a chain or group and its steps.
import { ApiError, deleteJSON, getJSON, taskPageUrl } from "/static/api.js";
import { formatDuration, isFinished, showBadge } from "/static/format.js";

const taskPath = (taskId) => `/tasks/${encodeURIComponent(taskId)}`;

export class TaskControls {
  #taskId;
  #els;
  #onError;

  /**
   * @param {string} taskId
   * @param {{cancel: HTMLButtonElement, timeout: HTMLElement, timeoutItem: HTMLElement,
   *          relations: HTMLElement}} els
   * @param {(message: string) => void} onError
   */
  constructor(taskId, els, onError) {
    this.#taskId = taskId;
    this.#els = els;
    this.#onError = onError;
    els.cancel.addEventListener("click", () => this.#cancel());
  }

  async show(task) {
    const { cancel, timeout, timeoutItem, relations } = this.#els;
    cancel.hidden = isFinished(task.state);
    timeoutItem.hidden = task.timeout === null || task.timeout === undefined;
    if (!timeoutItem.hidden) timeout.textContent = formatDuration(task.timeout);
    const parts = [];
    if (task.parent) parts.push(...(await this.#parentLink(task.parent)));
    if (task.steps?.length) parts.push(...(await this.#stepList(task)));
    relations.replaceChildren(...parts);
    relations.hidden = parts.length === 0;
  }

  async #parentLink(parentId) {
    const parent = await getJSON(taskPath(parentId)).catch(() => null);
    const label = document.createElement("span");
    label.textContent = `Step of a ${parent?.kind ?? "chain or group"}: `;
    return [label, link(parentId, parent?.cmd ?? parentId)];
  }

  async #stepList(task) {
    const steps = await Promise.all(task.steps.map((id) => getJSON(taskPath(id)).catch(() => null)));
    const title = document.createElement("span");
    title.textContent = task.kind === "chain" ? "Steps, in order:" : "Steps, in parallel:";
    const list = document.createElement("ol");
    list.className = "steps";
    steps.forEach((step, index) => {
      const item = document.createElement("li");
      const badge = document.createElement("span");
      badge.className = "badge";
      showBadge(badge, step?.state ?? "PENDING");
      item.append(badge, " ", link(task.steps[index], step?.cmd ?? task.steps[index]));
      list.append(item);
    });
    return [title, list];
  }

  async #cancel() {
    const { cancel } = this.#els;
    cancel.disabled = true;
    cancel.textContent = "Cancelling…";
    try {
      await deleteJSON(taskPath(this.#taskId));
    } catch (error) {
      cancel.disabled = false;
      cancel.textContent = "Cancel";
      // 409: it ended meanwhile, which the next status event shows anyway.
      if (!(error instanceof ApiError && error.status === 409)) this.#onError(error.message);
    }
  }
}

function link(taskId, text) {
  const anchor = document.createElement("a");
  anchor.href = taskPageUrl(taskId);
  anchor.textContent = text;
  return anchor;
}
