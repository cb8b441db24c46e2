// The Socket.IO connection both pages use, and the indicator that says how it is doing:
// connected, reconnecting (socket.io-client is retrying), or offline (it gave up, or the browser
// has no network). Pages subscribe in their own "connect" handler, which runs on every reconnect.
import { io } from "/vendor/socket.io.esm.min.js";

export function openSocket(indicator) {
  const socket = io({
    transports: ["websocket"],
    autoConnect: false, // the page connects once its handlers are in place
    reconnectionDelayMax: 5000,
  });
  const show = (state, text = state) => {
    indicator.dataset.state = state;
    indicator.textContent = text;
    indicator.title = `live updates: ${text}`;
  };
  show("connecting", "connecting");
  socket.on("connect", () => show("connected"));
  socket.on("disconnect", () => show(socket.active ? "reconnecting" : "offline"));
  socket.on("connect_error", (error) => {
    // An error from the server's connect handler (say, a refused token) is not retried.
    if (!socket.active) show("offline", `offline: ${error.message}`);
  });
  socket.io.on("reconnect_attempt", () => show("reconnecting"));
  socket.io.on("reconnect_failed", () => show("offline"));
  window.addEventListener("offline", () => show("offline"));
  window.addEventListener("online", () => show(socket.connected ? "connected" : "reconnecting"));
  return socket;
}
