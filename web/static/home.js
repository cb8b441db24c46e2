import { postJSON, token } from "/static/api.js";

const form = document.getElementById("launch");
const error = document.getElementById("error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  try {
    const { task_id: taskId } = await postJSON("/enqueue", { cmd: form.cmd.value });
    const query = new URLSearchParams({ task_id: taskId });
    if (token) query.set("token", token);
    location.assign(`/task?${query}`);
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  }
});
