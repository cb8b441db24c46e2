// Showing an API error in a box on the page: its message, then its detail (text only).

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
