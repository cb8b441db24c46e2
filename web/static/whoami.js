// Who the page's token belongs to (GET /me): shown in the header, and the page's role as
// body[data-role], which hides what the role may not use (style.css: [data-needs]). Until the
// answer comes, everything that needs a role is hidden. The server checks every request anyway:
// this only keeps a viewer from being offered buttons that would be refused.
import { getJSON } from "/static/api.js";

export async function showCaller(doc = document) {
  const me = await getJSON("/me");
  doc.body.dataset.role = me.role;
  const label = doc.getElementById("whoami");
  if (label) {
    label.textContent = `${me.name} · ${me.role}`;
    label.title = `Signed in as ${me.name}, with the ${me.role} role`;
  }
  return me;
}

showCaller().catch(() => {}); // without an answer the page stays read-only
