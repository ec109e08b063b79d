// @ts-check
// Notices in the corner: short messages, errors, and an optional action such as Undo.
import { ApiError } from "./api.js";
import { byId, el } from "./dom.js";

/**
 * @param {string} message
 * @param {{kind?: "info" | "error", action?: {label: string, run: () => void}}} [options]
 */
export function toast(message, { kind = "info", action } = {}) {
  const box = el("div", { className: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
    [el("span", { text: message })]);
  if (action) {
    const button = el("button", { type: "button", className: "ghost", text: action.label });
    button.addEventListener("click", () => { box.remove(); action.run(); });
    box.append(button);
  }
  byId("toasts").append(box);
  setTimeout(() => box.remove(), action ? 8000 : 4000);
}

/** @param {unknown} error */
export function report(error) {
  toast(error instanceof ApiError || error instanceof Error ? error.message : String(error),
    { kind: "error" });
}
