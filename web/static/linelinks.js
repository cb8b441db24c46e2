// Links to lines: clicking a line number puts #L1234 in the address, shift-clicking another
// makes the range #L1200-L1240; an address with such a fragment opens there, highlighted,
// wherever the line lies in the log. The "⋮" button beside a line number opens its menu:
// copy a link to the line, or go to a line by number (also `g` on the log).

const FRAGMENT = /^#L(\d+)(?:-L?(\d+))?$/;

export class LineLinks {
  #anchor = null; // the line clicked last, where a shift-click range starts

  /**
   * @param {import("/static/logviewer.js").LogViewer} viewer
   * @param {{menu: HTMLElement, copy: HTMLButtonElement, goto: HTMLFormElement,
   *          gotoInput: HTMLInputElement}} els
   */
  constructor(viewer, els) {
    this.viewer = viewer;
    this.els = els;
    viewer.container.addEventListener("click", (event) => this.#onClick(event));
    window.addEventListener("hashchange", () => this.follow());
    els.copy.addEventListener("click", () => this.#copy());
    document.addEventListener("click", (event) => {
      if (!els.menu.contains(event.target) && !event.target.closest(".line-menu")) this.#closeMenu();
    });
    els.goto.addEventListener("submit", (event) => {
      event.preventDefault();
      const n = Number(els.gotoInput.value);
      if (Number.isInteger(n) && n >= 1) this.select(Math.min(n, viewer.source.total), null);
    });
    viewer.container.addEventListener("keydown", (event) => {
      if (event.key === "g" && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        els.gotoInput.focus();
        els.gotoInput.select();
      }
    });
  }

  /** Show what the address names; false when it names no line. */
  follow() {
    const found = FRAGMENT.exec(location.hash);
    if (!found) return false;
    const first = Number(found[1]);
    const last = found[2] ? Number(found[2]) : first;
    this.#show(Math.min(first, last), Math.max(first, last));
    return true;
  }

  /** Highlight lines first..last (last null: one line), put them in the address, go there. */
  select(first, last) {
    const [a, b] = last === null ? [first, first] : [Math.min(first, last), Math.max(first, last)];
    const fragment = a === b ? `#L${a}` : `#L${a}-L${b}`;
    history.replaceState(null, "", fragment);
    this.#show(a, b);
  }

  #show(first, last) {
    this.viewer.selection = [first, last];
    this.viewer.scrollToLine(first);
    this.viewer.redraw();
  }

  #onClick(event) {
    const number = event.target.closest(".ln");
    if (number) {
      event.preventDefault();
      const n = Number(number.closest(".row").dataset.n);
      if (event.shiftKey && this.#anchor !== null) {
        this.select(this.#anchor, n);
      } else {
        this.#anchor = n;
        this.select(n, null);
      }
      return;
    }
    const button = event.target.closest(".line-menu");
    if (button) this.#openMenu(button, Number(button.closest(".row").dataset.n));
  }

  #openMenu(button, n) {
    const { menu } = this.els;
    menu.dataset.n = String(n);
    const box = button.getBoundingClientRect();
    menu.style.left = `${box.right + 4}px`;
    menu.style.top = `${box.top}px`;
    menu.hidden = false;
    this.els.copy.focus();
  }

  #closeMenu() {
    this.els.menu.hidden = true;
  }

  async #copy() {
    const n = Number(this.els.menu.dataset.n);
    const url = new URL(location.href);
    url.hash = `L${n}`;
    this.#closeMenu();
    document.body.dataset.copiedLink = url.href; // what was copied, for a test to read
    try {
      await navigator.clipboard.writeText(url.href);
    } catch {
      window.prompt("Copy this link to the line:", url.href); // no clipboard (plain http)
    }
  }
}
