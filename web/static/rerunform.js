// "Edit and run": a task's definition as a form, pre-filled; a named job's as its typed parameter
// form (jobforms.js). Submitting posts the changed definition to POST /tasks/ID/rerun.
import { getJSON } from "/static/api.js";
import { paramField, values } from "/static/jobforms.js";
import { LAUNCH_FIELDS } from "/static/launchfields.js";

/**
 * Fill `form` with the fields of `definition`; resolves to a function that reads the changes
 * back as a rerun body (an emptied timeout or retry field is sent as null, which removes it).
 */
export async function fillRerunForm(form, definition) {
  const fields = [];
  let read;
  if (definition.job) {
    const { jobs } = await getJSON("/jobs");
    const job = jobs.find((candidate) => candidate.name === definition.job);
    if (!job) throw new Error(`the job ${definition.job} is no longer offered here`);
    const params = definition.params ?? {};
    fields.push(...job.params.map((param) => paramField(param, params[param.name])));
    read = () => ({ params: values(form, job) });
  } else if (definition.cmd !== undefined) {
    fields.push(field("Command", input("cmd", "text", definition.cmd, { required: true })));
    read = () => ({ cmd: form.elements.cmd.value });
  } else {
    const kind = definition.chain ? "chain" : "group";
    const steps = document.createElement("textarea");
    steps.name = "steps";
    steps.rows = Math.min(10, definition[kind].length + 1);
    steps.value = definition[kind].join("\n");
    steps.required = true;
    fields.push(field(kind === "chain" ? "Steps, one a line, in order" : "Steps, one a line", steps));
    read = () => ({ [kind]: steps.value.split("\n").filter((line) => line.trim() !== "") });
  }
  const numbers = ["timeout", ...(definition.chain || definition.group ? [] : ["retries", "retry_delay"])];
  for (const name of numbers) {
    const number = input(name, "number", definition[name] ?? "", { min: "0", step: "any" });
    fields.push(field(LABELS[name], number));
  }
  form.querySelector(".rerun-fields").replaceChildren(...fields);
  return () => {
    const body = read();
    for (const name of numbers) {
      const raw = form.elements[name].value;
      body[name] = raw === "" ? null : Number(raw);
    }
    return body;
  };
}

const LABELS = Object.fromEntries(LAUNCH_FIELDS.map((option) => [option.name, option.label]));

function field(text, control) {
  const label = document.createElement("label");
  const name = document.createElement("span");
  name.textContent = text;
  label.append(name, control);
  return label;
}

function input(name, type, value, attributes = {}) {
  const element = document.createElement("input");
  element.name = name;
  element.type = type;
  element.value = String(value);
  element.spellcheck = false;
  Object.assign(element, attributes);
  return element;
}
