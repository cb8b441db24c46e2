// The named jobs' forms on the home page: one form per job from GET /jobs, one labelled input per
// parameter, and the launch options a job's run can have. A run posts {job, params, ...options};
// the server checks every value again, and its error shows next to the form that sent it.
import { getJSON, postJSON, taskPageUrl } from "/static/api.js";
import { showErrorIn } from "/static/errors.js";
import { launchOptions, readLaunchFields } from "/static/launchfields.js";

// The launch options' names in a job's form: apart from its parameters' (a job may have a
// parameter named "timeout"). No secrets: a job names its own in the jobs file.
const OPTIONS_PREFIX = "launch_";

/** Fetch the jobs and put a form for each into `container`; shows `section` when there are any. */
export async function showJobForms(section, container) {
  const { jobs } = await getJSON("/jobs");
  container.replaceChildren(...jobs.map(jobForm));
  section.hidden = jobs.length === 0;
  section.dataset.loaded = "true";
}

function jobForm(job) {
  const form = document.createElement("form");
  form.className = "job";
  form.dataset.job = job.name;
  form.autocomplete = "off";
  const title = document.createElement("h3");
  title.textContent = job.name;
  form.setAttribute("aria-label", `Job ${job.name}`);
  form.append(title);
  if (job.description) {
    const description = document.createElement("p");
    description.className = "description";
    description.textContent = job.description;
    form.append(description);
  }
  const fields = document.createElement("div");
  fields.className = "params";
  fields.append(...job.params.map((param) => paramField(param)));
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Run";
  fields.append(button);
  const errorBox = document.createElement("p");
  errorBox.className = "error";
  errorBox.setAttribute("role", "alert");
  errorBox.hidden = true;
  form.append(fields, launchOptions(OPTIONS_PREFIX, ["secrets"]), errorBox);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(form, job, errorBox);
  });
  return form;
}

async function run(form, job, errorBox) {
  errorBox.hidden = true;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const body = { job: job.name, params: values(form, job) };
    Object.assign(body, readLaunchFields(form.elements, OPTIONS_PREFIX));
    const { task_id: taskId } = await postJSON("/enqueue", body);
    location.assign(taskPageUrl(taskId));
  } catch (error) {
    showErrorIn(errorBox, error);
    button.disabled = false;
  }
}

/** The parameters to send: numbers as numbers; an empty field whose parameter has a default is left out. */
export function values(form, job) {
  const params = {};
  for (const param of job.params) {
    const raw = form.elements[param.name].value;
    const hasDefault = param.default !== null && param.default !== undefined;
    if (raw === "" && (hasDefault || param.type !== "string")) continue;
    params[param.name] = param.type === "int" || param.type === "float" ? Number(raw) : raw;
  }
  return params;
}

/** A labelled input for one parameter, showing `value` (a re-run's) or else its default. */
export function paramField(param, value) {
  const label = document.createElement("label");
  const name = document.createElement("span");
  name.textContent = param.name;
  const input = param.type === "choice" ? choiceInput(param) : textOrNumberInput(param);
  input.name = param.name;
  if (value !== undefined && value !== null) input.value = String(value);
  if (param.type !== "string" && (param.default === null || param.default === undefined)) {
    input.required = true;
  }
  label.append(name, input);
  return label;
}

function choiceInput(param) {
  const select = document.createElement("select");
  if (param.default === null || param.default === undefined) {
    select.append(new Option("choose…", ""));
  }
  for (const choice of param.choices) {
    select.append(new Option(choice, choice, false, choice === String(param.default)));
  }
  return select;
}

function textOrNumberInput(param) {
  const input = document.createElement("input");
  input.spellcheck = false;
  if (param.type === "int" || param.type === "float") {
    input.type = "number";
    input.step = param.type === "int" ? "1" : "any";
    if (param.min !== undefined) input.min = String(param.min);
    if (param.max !== undefined) input.max = String(param.max);
  } else {
    input.type = "text";
    if (param.type === "regex" && browserAccepts(param.pattern)) input.pattern = param.pattern;
  }
  if (param.default !== null && param.default !== undefined) input.value = String(param.default);
  return input;
}

// The pattern attribute is compiled with the "v" flag; a Python regex the browser cannot compile
// is left to the server's check (which runs anyway) instead of logging an error on every keystroke.
function browserAccepts(pattern) {
  try {
    new RegExp(pattern, "v");
    return true;
  } catch {
    return false;
  }
}
