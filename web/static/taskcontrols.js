// What can be done with a task and where it belongs: the Cancel button while it has not ended,
// "Run again" and "Edit and run", its timeout, and links between a chain or group and its steps,
// a retried task and its attempts ("attempt 2 of 4, next in 8 s"), a task and its re-runs.
import { ApiError, deleteJSON, getJSON, postJSON, taskPageUrl } from "/static/api.js";
import { showErrorIn } from "/static/errors.js";
import { formatDuration, isFinished, showBadge } from "/static/format.js";
import { fillRerunForm } from "/static/rerunform.js";

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
  #rerun;
  #edit;
  #form;
  #readForm = null;
  #definition = null;
  #countdown = null;

  constructor(taskId, els, onError) {
    this.#taskId = taskId;
    this.#els = els;
    this.#onError = onError;
    els.cancel.addEventListener("click", () => this.#cancel());
    // Made here, beside Cancel and below the relations, so the page's markup stays as it is.
    this.#rerun = button("rerun", "Run again", () => this.#runAgain({}));
    this.#edit = button("edit-rerun", "Edit and run", () => this.#openForm());
    els.cancel.after(this.#rerun, this.#edit);
    this.#form = rerunForm(() => this.#closeForm());
    els.relations.after(this.#form);
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#runAgain(this.#readForm(), this.#form.querySelector(".error"));
    });
  }

  async show(task) {
    const { cancel, timeout, timeoutItem, relations } = this.#els;
    cancel.hidden = isFinished(task.state);
    this.#definition = task.definition ?? null;
    this.#rerun.hidden = this.#edit.hidden = this.#definition === null;
    timeoutItem.hidden = task.timeout === null || task.timeout === undefined;
    if (!timeoutItem.hidden) timeout.textContent = formatDuration(task.timeout);
    const parts = [];
    if (task.parent) parts.push(...(await this.#parentLink(task.parent)));
    if (task.steps?.length) parts.push(...(await this.#stepList(task)));
    if (task.attempt) parts.push(...(await this.#attemptList(task)));
    if (task.rerun_of) parts.push(text("Re-run of"), link(task.rerun_of, "this task"));
    if (task.reruns?.length) {
      parts.push(text("Re-run as:"), ...task.reruns.map((id, i) => link(id, `#${i + 1}`)));
    }
    // Left alone when nothing changed: a link replaced under a reader's click loses the click.
    const same =
      parts.length === relations.childNodes.length &&
      parts.every((part, i) => part.isEqualNode(relations.childNodes[i]));
    if (!same) relations.replaceChildren(...parts);
    relations.hidden = parts.length === 0;
  }

  /** "Attempt 2 of 4, next in 8 s" and every attempt, from the first attempt's view. */
  async #attemptList(task) {
    const first = task.first_attempt
      ? await getJSON(taskPath(task.first_attempt)).catch(() => null)
      : task;
    if (!first?.attempts) return [];
    const total = first.retries + 1;
    const summary = document.createElement("span");
    summary.className = "attempt-summary";
    clearInterval(this.#countdown);
    const tell = () => {
      const due = first.next_attempt_at ? Date.parse(first.next_attempt_at) : null;
      const wait = due === null ? null : Math.max(0, Math.ceil((due - Date.now()) / 1000));
      const next = wait === null ? "" : `, next in ${wait} s`;
      const text = `Attempt ${first.attempts.length} of ${total}${next}`;
      // The one made here, and the one on the page when that stays (an equal one is kept).
      summary.textContent = text;
      const shown = this.#els.relations.querySelector(".attempt-summary");
      if (shown && shown !== summary) shown.textContent = text;
    };
    tell();
    if (first.next_attempt_at) this.#countdown = setInterval(tell, 1000);
    const attempts = await Promise.all(
      first.attempts.map((id) => (id === task.task_id ? task : getJSON(taskPath(id)).catch(() => null))),
    );
    const list = document.createElement("ol");
    list.className = "steps attempts";
    attempts.forEach((attempt, index) => {
      const item = document.createElement("li");
      const badge = document.createElement("span");
      badge.className = "badge";
      // An attempt's own state: the first attempt's view shows the latest attempt's instead.
      const own = index === 0 && attempts.length > 1 ? "FAILURE" : attempt?.state ?? "PENDING";
      showBadge(badge, own);
      item.append(badge, " ", link(first.attempts[index], `attempt ${index + 1}`));
      list.append(item);
    });
    return [summary, list];
  }

  async #openForm() {
    if (this.#definition === null) return;
    try {
      this.#readForm = await fillRerunForm(this.#form, this.#definition);
      this.#form.querySelector(".error").hidden = true;
      this.#form.hidden = false;
    } catch (error) {
      this.#onError(error.message);
    }
  }

  #closeForm() {
    this.#form.hidden = true;
  }

  async #runAgain(body, errorBox = null) {
    try {
      const { task_id: newId } = await postJSON(`${taskPath(this.#taskId)}/rerun`, body);
      location.assign(taskPageUrl(newId));
    } catch (error) {
      if (errorBox) showErrorIn(errorBox, error);
      else this.#onError(error.message);
    }
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

function link(taskId, label) {
  const anchor = document.createElement("a");
  anchor.href = taskPageUrl(taskId);
  anchor.textContent = label;
  return anchor;
}

function text(words) {
  const span = document.createElement("span");
  span.textContent = words;
  return span;
}

function button(id, label, onClick) {
  const element = document.createElement("button");
  element.id = id;
  element.type = "button";
  element.className = "button";
  element.textContent = label;
  element.hidden = true;
  element.dataset.needs = "operator"; // hidden from viewers (whoami.js, style.css)
  element.addEventListener("click", onClick);
  return element;
}

/** The "Edit and run" form: its fields are filled in when it opens (rerunform.js). */
function rerunForm(onClose) {
  const form = document.createElement("form");
  form.id = "rerun-form";
  form.className = "job rerun-form";
  form.autocomplete = "off";
  form.hidden = true;
  form.dataset.needs = "operator";
  form.setAttribute("aria-label", "Edit and run");
  const fields = document.createElement("div");
  fields.className = "params rerun-fields";
  const run = document.createElement("button");
  run.type = "submit";
  run.textContent = "Run";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "secondary";
  close.textContent = "Close";
  close.addEventListener("click", onClose);
  const errorBox = document.createElement("p");
  errorBox.className = "error";
  errorBox.setAttribute("role", "alert");
  errorBox.hidden = true;
  form.append(fields, run, close, errorBox);
  return form;
}
