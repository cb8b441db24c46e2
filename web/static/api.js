// Shared by the pages: the token given once as ?token=, and JSON calls to the API.

const params = new URLSearchParams(location.search);

export const token = params.get("token") || undefined;

export async function postJSON(path, body) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}
