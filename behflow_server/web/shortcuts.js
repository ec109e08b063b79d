// @ts-check
// Keyboard shortcuts, and the `?` overlay that lists them (the one list both use).
import { byId, el, field } from "./dom.js";
import { initHistory, revert, showHistory } from "./history.js";
import { session } from "./session.js";
import { editTitle, moveSelection, openTask, removeTask, scheduleReload, selectedTask, setView, toggleDone } from "./tasks.js";

/** @typedef {{keys: string[], label: string, run: () => void}} Shortcut */

/** @type {Shortcut[]} */
export const SHORTCUTS = [
  { keys: ["j", "ArrowDown"], label: "Next task", run: () => moveSelection(1) },
  { keys: ["k", "ArrowUp"], label: "Previous task", run: () => moveSelection(-1) },
  { keys: ["Enter", "o"], label: "Open the selected task", run: () => withSelected((t) => openTask(t.number)) },
  { keys: ["e"], label: "Rename the selected task in place", run: () => withSelected((t) => editTitle(t.number)) },
  { keys: ["x"], label: "Complete / reopen the selected task", run: () => withSelected(toggleDone) },
  { keys: ["Delete", "#"], label: "Delete the selected task (Undo in the notice)", run: () => withSelected((t) => removeTask(t.number)) },
  { keys: ["u"], label: "Undo your last change (from any client: CLI, TUI, agent too)", run: () => revert(false, scheduleReload) },
  { keys: ["U"], label: "Redo what the last undo reverted", run: () => revert(true, scheduleReload) },
  { keys: ["h"], label: "Show the history of your changes", run: () => showHistory() },
  { keys: ["n", "a"], label: "Add a task", run: () => field("quick-text").focus() },
  { keys: ["/"], label: "Search", run: () => field("filter-search").focus() },
  { keys: ["c"], label: "Chat with the agent", run: () => field("chat-text").focus() },
  { keys: ["1"], label: "All tasks", run: () => setView("open") },
  { keys: ["2"], label: "Today", run: () => setView("today") },
  { keys: ["3"], label: "Upcoming (7 days)", run: () => setView("upcoming") },
  { keys: ["4"], label: "Overdue", run: () => setView("overdue") },
  { keys: ["5"], label: "Completed", run: () => setView("completed") },
  { keys: ["6"], label: "Trash", run: () => setView("trash") },
  { keys: ["?"], label: "Show these shortcuts", run: () => showShortcuts() },
  { keys: ["Escape"], label: "Leave a text box, close a dialog", run: () => undefined },
];

/** @param {(task: import("./types.js").Task) => void} fn */
function withSelected(fn) {
  const task = selectedTask();
  if (task) fn(task);
}

const overlay = () => /** @type {HTMLDialogElement} */ (byId("shortcuts"));

export function showShortcuts() {
  if (!overlay().open) overlay().showModal();
}

/** @param {EventTarget | null} target */
function typingIn(target) {
  const node = /** @type {HTMLElement | null} */ (target);
  if (!node || !node.tagName) return false;
  return node.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(node.tagName);
}

/** @param {KeyboardEvent} event */
function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || !session.token) return;
  if (event.key === "Escape" && typingIn(event.target) && !document.querySelector("dialog[open]")) {
    /** @type {HTMLElement} */ (event.target).blur();
    return;
  }
  // Letters typed into a box are text, never commands; an open dialog keeps its own keys.
  if (typingIn(event.target) || document.querySelector("dialog[open]")) return;
  // Enter and Space on a focused button press that button, as everywhere else.
  const onButton = /** @type {HTMLElement} */ (event.target).closest?.("button, a, summary");
  if (onButton && (event.key === "Enter" || event.key === " ")) return;
  const shortcut = SHORTCUTS.find((s) => s.keys.includes(event.key));
  if (!shortcut || event.key === "Escape") return;
  event.preventDefault();
  shortcut.run();
}

/** @param {string} key */
function keyName(key) {
  return { ArrowDown: "↓", ArrowUp: "↑", Escape: "Esc" }[key] || key;
}

export function initShortcuts() {
  byId("shortcut-rows").replaceChildren(...SHORTCUTS.map((s) => el("tr", {}, [
    el("td", {}, s.keys.flatMap((k, i) => [i ? " or " : "", el("kbd", { text: keyName(k) })])),
    el("td", { text: s.label }),
  ])));
  byId("help-button").addEventListener("click", showShortcuts);
  initHistory(scheduleReload);
  byId("shortcuts-close").addEventListener("click", () => overlay().close());
  document.addEventListener("keydown", onKey);
}
