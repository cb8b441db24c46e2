// The admin page: users and their roles (GET/POST /users, PATCH/DELETE /users/NAME, POST
// /users/NAME/token), the SSO default role, and the audit trail (GET /audit). Server data is
// written with textContent only.
import { deleteJSON, getJSON, patchJSON, postJSON, putJSON } from "/static/api.js";
import { showErrorIn } from "/static/errors.js";
import { formatTime } from "/static/format.js";

const ROLES = ["viewer", "operator", "admin"];
const AUDIT_SHOWN = 100;
const els = {
  body: document.getElementById("users-body"),
  template: document.getElementById("user-row"),
  form: document.getElementById("add-user"),
  newRole: document.getElementById("new-role"),
  tokenBox: document.getElementById("new-token-box"),
  tokenUser: document.getElementById("new-token-user"),
  token: document.getElementById("new-token"),
  error: document.getElementById("users-error"),
  ssoRole: document.getElementById("sso-role"),
  audit: document.getElementById("audit-body"),
};

function roleOptions(select, chosen) {
  select.replaceChildren(...ROLES.map((role) => new Option(role, role, false, role === chosen)));
}

/** Run a change, then show the lists again; an error is shown above them. */
async function change(action) {
  els.error.hidden = true;
  try {
    await action();
  } catch (error) {
    showErrorIn(els.error, error);
  }
  await load();
}

function showToken(reply) {
  els.tokenUser.textContent = reply.name;
  els.token.textContent = reply.token;
  els.tokenBox.hidden = false;
}

function userRow(user) {
  const row = els.template.content.firstElementChild.cloneNode(true);
  const path = `/users/${encodeURIComponent(user.name)}`;
  row.dataset.user = user.name;
  row.querySelector(".user-name").textContent = user.name;
  row.querySelector(".user-added").textContent = formatTime(user.added_at);
  const role = row.querySelector(".user-role");
  roleOptions(role, user.role);
  role.addEventListener("change", () => change(() => patchJSON(path, { role: role.value })));
  row.querySelector(".user-token").addEventListener("click", () =>
    change(async () => showToken(await postJSON(`${path}/token`, {}))),
  );
  row.querySelector(".user-remove").addEventListener("click", () => {
    if (confirm(`Remove ${user.name}? Their token stops working at once.`)) {
      change(() => deleteJSON(path));
    }
  });
  return row;
}

function auditRow(entry) {
  const row = document.createElement("tr");
  const { id, at, time, action, actor, address, ...about } = entry;
  const details = Object.entries(about).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  for (const text of [formatTime(at), actor ?? "(refused)", address ?? "", action, details.join(", ")]) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.append(cell);
  }
  row.dataset.action = action;
  return row;
}

async function load() {
  const [{ users, sso_default_role: ssoRole }, { entries }] = await Promise.all([
    getJSON("/users"),
    getJSON(`/audit?limit=${AUDIT_SHOWN}`),
  ]);
  els.body.replaceChildren(...users.map(userRow));
  roleOptions(els.ssoRole, ssoRole);
  els.audit.replaceChildren(...entries.map(auditRow));
}

roleOptions(els.newRole, "viewer");
els.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const body = { name: els.form.elements.name.value.trim(), role: els.newRole.value };
  change(async () => {
    showToken(await postJSON("/users", body));
    els.form.reset();
  });
});
els.ssoRole.addEventListener("change", () =>
  change(() => putJSON("/users/sso-default-role", { role: els.ssoRole.value })),
);
load().catch((error) => showErrorIn(els.error, error));
