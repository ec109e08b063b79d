// @ts-check
// The notes of the task open in the detail view: listed oldest first with their time, drawn
// as safe Markdown (markdown.js), added, edited and deleted in place; live events for the open
// task's notes reload them.
import { byId, el } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import * as tasks from "./taskapi.js";

/** @typedef {import("./types.js").Note} Note */

export const TASK_EVENT = "behflow:task-event";
const MINUTE = 60_000;

/** @type {{number: number | null}} */
const shown = { number: null };

const area = (/** @type {string} */ id) => /** @type {HTMLTextAreaElement} */ (byId(id));

/** "5 min ago", "3 h ago", "2 days ago". @param {string} iso */
export function ago(iso, now = Date.now()) {
  const minutes = Math.floor((now - Date.parse(iso)) / MINUTE);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ago`;
  const days = Math.floor(minutes / (24 * 60));
  return days === 1 ? "1 day ago" : `${days} days ago`;
}

/** @param {unknown} error */
function fail(error) {
  byId("detail-notes-error").textContent = error instanceof Error ? error.message : String(error);
}

/** @param {Note} note */
function when(note) {
  const created = new Date(note.created_at);
  let text = `${created.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })} · ${ago(note.created_at)}`;
  if (note.updated_at !== note.created_at) text += ` · edited ${ago(note.updated_at)}`;
  return text;
}

/** @param {Note} note */
function noteItem(note) {
  const body = el("div", { className: "note-body" });
  body.appendChild(renderMarkdown(note.body));
  const edit = el("button", { type: "button", className: "ghost small", text: "Edit", dataset: { note: note.id } });
  const remove = el("button", { type: "button", className: "ghost small danger", text: "Delete" });
  const item = el("li", { className: "note", dataset: { id: note.id } }, [
    el("div", { className: "note-head" }, [
      el("time", { datetime: note.created_at, className: "muted small", text: when(note) }),
      el("span", { className: "spacer" }),
      edit,
      remove,
    ]),
    body,
  ]);
  edit.addEventListener("click", () => startEdit(item, note));
  remove.addEventListener("click", () => change(() => tasks.deleteNote(note.task_number, note.id)));
  return item;
}

/** @param {HTMLElement} item @param {Note} note */
function startEdit(item, note) {
  const text = /** @type {HTMLTextAreaElement} */ (el("textarea", { rows: "3", maxlength: "10000", className: "note-edit" }));
  text.value = note.body;
  const save = el("button", { type: "button", className: "small", text: "Save note" });
  const cancel = el("button", { type: "button", className: "secondary small", text: "Cancel" });
  const editor = el("div", { className: "note-editor" }, [text, el("div", { className: "row" }, [save, cancel])]);
  const body = /** @type {HTMLElement} */ (item.querySelector(".note-body"));
  body.replaceWith(editor);
  text.focus();
  cancel.addEventListener("click", () => editor.replaceWith(body));
  save.addEventListener("click", () => {
    const value = text.value.trim();
    if (!value) return fail("A note needs text; delete it instead.");
    change(() => tasks.updateNote(note.task_number, note.id, value));
  });
}

/** @param {() => Promise<unknown>} call */
async function change(call) {
  byId("detail-notes-error").textContent = "";
  try {
    await call();
  } catch (error) {
    fail(error);
    return;
  }
  if (shown.number !== null) await showNotes(shown.number);
}

/** List the notes of task `number` in the detail view. @param {number} number */
export async function showNotes(number) {
  shown.number = number;
  const list = byId("detail-notes");
  try {
    const page = await tasks.listNotes(number);
    if (shown.number !== number) return;
    list.replaceChildren(...page.items.map(noteItem));
    byId("detail-notes-count").textContent = page.items.length ? `(${page.items.length})` : "";
    byId("detail-notes-empty").hidden = page.items.length > 0;
  } catch (error) {
    fail(error);
  }
}

async function onAdd() {
  const number = shown.number;
  const text = area("detail-note-text");
  const body = text.value.trim();
  if (number === null || !body) return;
  await change(async () => {
    await tasks.addNote(number, body);
    text.value = "";
  });
}

export function initNotes() {
  byId("detail-note-add").addEventListener("click", onAdd);
  area("detail-note-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onAdd();
    }
  });
  byId("detail").addEventListener("close", () => {
    shown.number = null;
    byId("detail-notes").replaceChildren();
    byId("detail-notes-error").textContent = "";
  });
  window.addEventListener(TASK_EVENT, (event) => {
    const { type, task } = /** @type {CustomEvent<{type: string, task: {number: number}}>} */ (event).detail;
    if (type.startsWith("task.note_") && task && task.number === shown.number) showNotes(task.number);
  });
}
