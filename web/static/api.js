// JSON calls to joblook's API. Same-origin fetch sends the session cookie (set when a page was
// opened with ?token=...), so nothing here handles tokens.

/** An error reply from the API: `message` is its "error" field, `detail` its optional detail. */
export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

async function request(path, init) {
  const response = await fetch(path, init);
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, data?.error || `HTTP ${response.status}`, data?.detail);
  }
  return data;
}

export function getJSON(path) {
  return request(path, { headers: { Accept: "application/json" } });
}

function sendJSON(method, path, body) {
  return request(path, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
}

export const postJSON = (path, body) => sendJSON("POST", path, body);
export const patchJSON = (path, body) => sendJSON("PATCH", path, body);
export const putJSON = (path, body) => sendJSON("PUT", path, body);

export function deleteJSON(path) {
  return request(path, { method: "DELETE", headers: { Accept: "application/json" } });
}

/** The address of a task's page. */
export function taskPageUrl(taskId) {
  return `/task?${new URLSearchParams({ task_id: taskId })}`;
}

/** The address that downloads a task's whole output as text. */
export function downloadUrl(taskId) {
  return `/permlog?${new URLSearchParams({ task_id: taskId, format: "text" })}`;
}
