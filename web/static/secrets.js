// The home page's secrets: their names and when each was set (values never come back), a form
// to set one and a button to delete each. Reloaded after each change.
import { deleteJSON, getJSON, putJSON } from "/static/api.js";
import { changeThen, showErrorIn } from "/static/errors.js";

const byId = (id) => document.getElementById(id);
const list = byId("secret-list");
const template = byId("secret-row");
const errorBox = byId("secret-error");
const form = byId("secret-form");

function path(name) {
  return `/secrets/${encodeURIComponent(name)}`;
}

function row(secret) {
  const item = template.content.firstElementChild.cloneNode(true);
  item.dataset.name = secret.name;
  item.querySelector(".secret-name").textContent = secret.name;
  item.querySelector(".secret-set-at").textContent = `set ${secret.set_at}`;
  item.querySelector(".secret-delete").addEventListener("click", () =>
    change(() => deleteJSON(path(secret.name))));
  return item;
}

function change(action) {
  return changeThen(errorBox, action, reload);
}

async function reload() {
  try {
    const { secrets, key_set: keySet } = await getJSON("/secrets");
    list.replaceChildren(...secrets.map(row));
    byId("no-secrets").hidden = secrets.length > 0;
    byId("no-secret-key").hidden = keySet;
    document.body.dataset.secretsLoaded = "true";
  } catch (error) {
    showErrorIn(errorBox, error);
  }
}

byId("secret-set").addEventListener("click", () => form.requestSubmit());
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const fields = form.elements;
  const name = fields.secret_name.value.trim();
  const value = fields.secret_value.value;
  change(async () => {
    await putJSON(path(name), { value });
    form.reset();
  });
});

// Only admins may read the list; other roles do not see the section (whoami.js) nor ask.
getJSON("/me").then(
  (me) => me.role === "admin" && reload(),
  () => {},
);
