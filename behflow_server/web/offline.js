// @ts-check
// While the server cannot be reached, the page's inputs are disabled (typing into them would be
// lost) and the pill says `offline`; they come back as soon as the server answers again.
import { REACHABILITY } from "./api.js";
import { byId } from "./dom.js";

const CONTROLS = "#app-view input, #app-view select, #app-view textarea, #app-view button, #detail input, #detail select, #detail textarea, #detail button";

/** @param {boolean} reachable */
export function setInputsEnabled(reachable) {
  document.body.classList.toggle("unreachable", !reachable);
  for (const node of document.querySelectorAll(CONTROLS)) {
    const control = /** @type {HTMLInputElement} */ (node);
    if (!reachable && !control.disabled) {
      control.disabled = true;
      control.dataset.offline = "1";
    } else if (reachable && control.dataset.offline) {
      control.disabled = false;
      delete control.dataset.offline;
    }
  }
  byId("app-view").setAttribute("aria-busy", reachable ? "false" : "true");
}

export function initOffline() {
  window.addEventListener(REACHABILITY, (event) => {
    setInputsEnabled(/** @type {CustomEvent<{reachable: boolean}>} */ (event).detail.reachable);
  });
}
