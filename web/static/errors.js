// Showing an API error in a box on the page: its message, then its detail (text only); and a
// change made through the API whose error shows in such a box.

/** Fill `box` with the error's message and optional detail, and show it. */
export function showErrorIn(box, error) {
  box.replaceChildren();
  const message = document.createElement("strong");
  message.textContent = error.message;
  box.append(message);
  if (error.detail !== undefined && error.detail !== null) {
    const detail = document.createElement("span");
    detail.className = "detail";
    detail.textContent = typeof error.detail === "string" ? error.detail : JSON.stringify(error.detail);
    box.append(" ", detail);
  }
  box.hidden = false;
}

/**
 * Make a change (`action`, a call to the API) with `box` hidden, show its error there if it
 * fails, then `reload()` the list it changed either way.
 */
export async function changeThen(box, action, reload) {
  box.hidden = true;
  try {
    await action();
  } catch (error) {
    showErrorIn(box, error);
  }
  await reload();
}
