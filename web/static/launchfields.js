// The launch options a command or job can have (timeout, queue, GPUs, secrets, retries, notify),
// as POST /enqueue and POST /schedules name them: their inputs, and reading the given ones into
// a request body. Only the server checks the values, so its error (which field, why) is the one
// shown; an empty field is left out and the server's default applies.

/** Each option: its request name, its label, and how its text becomes a value. */
export const LAUNCH_FIELDS = [
  { name: "timeout", label: "Timeout (s)", kind: "number", placeholder: "none" },
  { name: "queue", label: "Queue", kind: "text", placeholder: "celery" },
  { name: "gpus", label: "GPUs", kind: "number", placeholder: "0" },
  { name: "secrets", label: "Secrets", kind: "list", placeholder: "DB_PASSWORD, API_TOKEN" },
  { name: "retries", label: "Retries", kind: "number", placeholder: "0" },
  { name: "retry_delay", label: "Retry delay (s)", kind: "number", placeholder: "10" },
  { name: "notify", label: "Notify", kind: "list", placeholder: "slack://… (Apprise URLs)" },
];

/**
 * Labelled inputs for the options, each named `prefix` + its request name (a prefix keeps them
 * apart from a job's parameters of the same name); those named in `without` are left out.
 */
export function launchInputs(prefix = "", without = []) {
  return LAUNCH_FIELDS.filter((field) => !without.includes(field.name)).map((field) => {
    const label = document.createElement("label");
    const text = document.createElement("span");
    text.textContent = field.label;
    const input = document.createElement("input");
    input.name = prefix + field.name;
    input.placeholder = field.placeholder;
    input.spellcheck = false;
    if (field.kind === "number") {
      input.type = "number";
      input.step = "any"; // no min: a bad value goes to the server, which says what is wrong
    }
    label.append(text, input);
    return label;
  });
}

/** The options given in a form's `elements` (named `prefix` + name), as request fields. */
export function readLaunchFields(elements, prefix = "") {
  const body = {};
  for (const field of LAUNCH_FIELDS) {
    const input = elements.namedItem(prefix + field.name);
    const raw = input ? input.value.trim() : "";
    if (raw === "") continue;
    if (field.kind === "number") body[field.name] = Number(raw);
    else if (field.kind === "list") body[field.name] = raw.split(/[\s,]+/).filter(Boolean);
    else body[field.name] = raw;
  }
  return body;
}

/** A `<details>` "Options" holding the option inputs, closed until opened. */
export function launchOptions(prefix = "", without = []) {
  const make = (tag, props) => Object.assign(document.createElement(tag), props);
  const fields = make("div", { className: "launch-fields" });
  fields.append(...launchInputs(prefix, without));
  const details = make("details", { className: "launch-options" });
  details.append(make("summary", { textContent: "Options" }), fields);
  return details;
}
