// @ts-check
// The task detail/edit view: every field of a task in one dialog; saving sends only what changed.
import { ApiError } from "./api.js";
import { byId, el, field } from "./dom.js";
import { isAllDay, shortDate } from "./due.js";
import { initNotes, showNotes } from "./notes.js";
import { report } from "./notices.js";
import { completeAsking, progressLabel } from "./subtasks.js";
import * as tasks from "./taskapi.js";
import { OPEN_TASK, removeTask, scheduleReload } from "./tasks.js";

/** @typedef {import("./types.js").Task} Task */

const WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
const DAY_WORDS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const REMIND_OFFSETS = ["0", "10", "30", "60", "1440"];
const MINUTE = 60_000;

/** @type {{task: Task | null}} */
const current = { task: null };

const dialog = () => /** @type {HTMLDialogElement} */ (byId("detail"));
const select = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ (byId(id));
const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");

/** "2026-12-04" in the browser's zone. @param {Date} date */
const localDate = (date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
/** "17:30". @param {Date} date */
const localTime = (date) => `${pad(date.getHours())}:${pad(date.getMinutes())}`;

/**
 * A local date and time from the form, as an ISO instant; no time means all day (23:59).
 * @param {string} date
 * @param {string} time
 * @returns {string | null}
 */
function instant(date, time) {
  if (!date) return null;
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = (time || "23:59").split(":").map(Number);
  return new Date(year, month - 1, day, hour, minute).toISOString();
}

/** The weekly preset's rule: on the due date's weekday. @param {string | null} dueIso */
function weeklyRule(dueIso) {
  return dueIso ? `FREQ=WEEKLY;BYDAY=${WEEKDAYS[new Date(dueIso).getDay()]}` : "FREQ=WEEKLY";
}

/** @param {Task} task */
function fillRepeat(task) {
  const repeat = select("detail-repeat");
  const rule = (task.recurrence || "").toUpperCase();
  const presets = [...repeat.options].map((o) => o.value).filter((v) => v.startsWith("FREQ"));
  if (!rule) repeat.value = "";
  else if (presets.includes(rule)) repeat.value = rule;
  else if (rule === weeklyRule(task.due_at)) repeat.value = "weekly";
  else repeat.value = "custom";
  field("detail-rule").value = task.recurrence_text || "";
  showRepeat();
}

/** @returns {string | null} the rule the form says; custom words are read on save (readRule) */
function formRule() {
  const choice = select("detail-repeat").value;
  if (!choice) return null;
  if (choice === "custom") return current.task?.recurrence || null;
  if (choice === "weekly") return weeklyRule(formDue());
  return choice;
}

/** The custom words, when they differ from what the task says now. @returns {string | null} */
function newWords() {
  if (select("detail-repeat").value !== "custom") return null;
  const words = field("detail-rule").value.trim();
  return words && words !== (current.task?.recurrence_text || "") ? words : null;
}

function showRepeat() {
  const choice = select("detail-repeat");
  byId("detail-rule-label").hidden = choice.value !== "custom";
  const task = current.task;
  const same = task && (formRule() || "").toUpperCase() === (task.recurrence || "").toUpperCase();
  const due = formDue();
  const weekly = due ? `every ${DAY_WORDS[new Date(due).getDay()]}` : "every week";
  const words = choice.value === "custom" ? field("detail-rule").value.trim()
    : same ? task?.recurrence_text
      : choice.value === "weekly" ? weekly : choice.selectedOptions[0]?.text.toLowerCase();
  byId("detail-repeat-words").textContent = choice.value && words ? `Repeats ${words}.` : "";
}

/** @returns {string | null} */
function formDue() {
  return instant(field("detail-due-date").value, field("detail-due-time").value);
}

/** @param {Task} task */
function fillRemind(task) {
  const remind = select("detail-remind");
  const at = field("detail-remind-at");
  at.value = "";
  if (!task.remind_at) {
    remind.value = "";
  } else {
    const before = task.due_at ? (Date.parse(task.due_at) - Date.parse(task.remind_at)) / MINUTE : NaN;
    if (REMIND_OFFSETS.includes(String(before))) {
      remind.value = String(before);
    } else {
      remind.value = "custom";
      const date = new Date(task.remind_at);
      at.value = `${localDate(date)}T${localTime(date)}`;
    }
  }
  showRemind();
}

function showRemind() {
  byId("detail-remind-at-label").hidden = select("detail-remind").value !== "custom";
}

/** @returns {string | null} */
function formRemind() {
  const choice = select("detail-remind").value;
  if (!choice) return null;
  if (choice === "custom") {
    const value = field("detail-remind-at").value;
    return value ? new Date(value).toISOString() : null;
  }
  const due = formDue();
  if (!due) throw new Error("A reminder before the due time needs a due date; pick a time instead.");
  return new Date(Date.parse(due) - Number(choice) * MINUTE).toISOString();
}

/** @param {Task} task */
function fill(task) {
  current.task = task;
  byId("detail-number").textContent = `#${task.number}`;
  field("detail-title").value = task.title;
  /** @type {HTMLTextAreaElement} */ (byId("detail-description")).value = task.description || "";
  if (task.due_at) {
    const due = new Date(task.due_at);
    field("detail-due-date").value = localDate(due);
    field("detail-due-time").value = isAllDay(task.due_at) ? "" : localTime(due);
  } else {
    field("detail-due-date").value = "";
    field("detail-due-time").value = "";
  }
  const moved = Boolean(task.original_due_at);
  byId("detail-moved").hidden = !moved;
  byId("detail-moved-text").textContent = task.original_due_at
    ? `Moved from ${shortDate(task.original_due_at)} by ${task.due_moved_by || "automation"}.` : "";
  select("detail-priority").value = task.priority;
  select("detail-status").value = task.status;
  field("detail-tags").value = task.tags.join(", ");
  field("detail-project").value = task.project || "";
  fillRepeat(task);
  fillRemind(task);
  byId("detail-error").textContent = "";
  byId("detail-delete").hidden = task.archived_at !== null;
  fillSubtasks(task);
}

/** The subtasks section: the parent, the subtree (click one to open it), the add box.
 * @param {Task} task */
async function fillSubtasks(task) {
  const parent = byId("detail-parent");
  parent.hidden = !task.parent;
  parent.textContent = task.parent ? `A subtask of #${task.parent}.` : "";
  byId("detail-subtasks-progress").textContent = progressLabel(task) ? `${progressLabel(task)} done` : "";
  field("detail-subtask-text").value = "";
  const target = byId("detail-subtask-list");
  target.replaceChildren();
  field("detail-subtask-text").disabled = task.archived_at !== null;
  if (!task.subtasks || !task.subtasks.total) return;
  try {
    const tree = await tasks.taskTree(task.number);
    if (!current.task || current.task.number !== task.number) return;
    target.replaceChildren(...tree.items.filter((t) => t.number !== task.number).map((sub) => el("li", {
      className: sub.status === "completed" ? "done" : "",
      dataset: { number: sub.number, depth: Math.min(sub.depth, 4) },
      title: `Open #${sub.number}`,
      text: `#${sub.number} ${sub.title}${progressLabel(sub) ? ` ${progressLabel(sub)}` : ""}`,
    })));
  } catch (error) {
    byId("detail-error").textContent = error instanceof Error ? error.message : String(error);
  }
}

async function onAddSubtask() {
  const task = current.task;
  const input = field("detail-subtask-text");
  const text = input.value.trim();
  if (!task || !text) return;
  try {
    const added = await tasks.quickAdd(text, task.number);
    fill(await tasks.getTask(task.number));
    scheduleReload([added.number]);
    field("detail-subtask-text").focus();
  } catch (error) {
    byId("detail-error").textContent = error instanceof Error ? error.message : String(error);
  }
}

/** @param {number} number */
export async function openDetail(number) {
  try {
    fill(await tasks.getTask(number));
  } catch (error) {
    if (dialog().open) byId("detail-error").textContent = error instanceof Error ? error.message : String(error);
    else report(error);
    return;
  }
  showNotes(number);
  if (!dialog().open) dialog().showModal();
  field("detail-title").focus();
}

/**
 * What the form changes, as a TaskUpdate body (null clears a field).
 * @param {Task} task
 * @returns {Record<string, unknown>}
 */
function changes(task) {
  /** @type {Record<string, unknown>} */
  const body = {};
  const title = field("detail-title").value.trim();
  if (!title) throw new Error("A task needs a title.");
  if (title !== task.title) body.title = title;
  const description = /** @type {HTMLTextAreaElement} */ (byId("detail-description")).value.trim() || null;
  if (description !== (task.description || null)) body.description = description;
  const due = formDue();
  const sameDue = due === null ? task.due_at === null
    : task.due_at !== null && Date.parse(due) === Date.parse(task.due_at);
  if (!sameDue) body.due_at = due;
  const priority = select("detail-priority").value;
  if (priority !== task.priority) body.priority = priority;
  const tags = field("detail-tags").value.split(/[\s,]+/).map((t) => t.replace(/^[#+@]/, "")).filter(Boolean);
  if (tags.join(",") !== task.tags.join(",")) body.tags = tags;
  const project = field("detail-project").value.trim() || null;
  if (project !== (task.project || null)) body.project = project;
  const rule = formRule();
  if ((rule || "").toUpperCase() !== (task.recurrence || "").toUpperCase()) body.recurrence = rule;
  const remind = formRemind();
  const sameRemind = remind === null ? task.remind_at === null
    : task.remind_at !== null && Date.parse(remind) === Date.parse(task.remind_at);
  if (!sameRemind) body.remind_at = remind;
  return body;
}

/** @param {SubmitEvent} event */
async function onSave(event) {
  event.preventDefault();
  const task = current.task;
  if (!task) return;
  byId("detail-error").textContent = "";
  try {
    const body = changes(task);
    const words = newWords();
    if (words) {
      const rule = await tasks.readRule(words);
      if (!rule) throw new Error(`Cannot read "${words}" as a repeat; try "every 3 days after done".`);
      body.recurrence = rule;
    }
    const status = select("detail-status").value;
    // Completing and reopening are the server's own commands (a recurring task's next
    // occurrence, completed_at); other status changes are plain fields.
    const completing = status === "completed" && task.status !== "completed";
    const reopening = task.status === "completed" && status !== "completed";
    if (reopening) await tasks.reopenTask(task.number);
    const reopenedAs = reopening ? "not_started" : task.status;
    if (!completing && status !== reopenedAs) body.status = status;
    if (Object.keys(body).length) await tasks.updateTask(task.number, body);
    if (completing && !(await completeAsking(task))) return;
    dialog().close();
    scheduleReload([task.number]);
  } catch (error) {
    byId("detail-error").textContent = error instanceof ApiError || error instanceof Error
      ? error.message : String(error);
  }
}

async function onRestoreDue() {
  const task = current.task;
  if (!task) return;
  try {
    fill(await tasks.restoreDue(task.number));
    scheduleReload([task.number]);
  } catch (error) {
    byId("detail-error").textContent = error instanceof Error ? error.message : String(error);
  }
}

export function initDetail() {
  initNotes();
  byId("detail-form").addEventListener("submit", (e) => onSave(/** @type {SubmitEvent} */ (e)));
  byId("detail-close").addEventListener("click", () => dialog().close());
  byId("detail-cancel").addEventListener("click", () => dialog().close());
  byId("detail-delete").addEventListener("click", () => {
    if (!current.task) return;
    removeTask(current.task.number);
    dialog().close();
  });
  byId("detail-restore-due").addEventListener("click", onRestoreDue);
  byId("detail-subtask-add").addEventListener("click", onAddSubtask);
  field("detail-subtask-text").addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault(); // adds the subtask instead of saving the form
    onAddSubtask();
  });
  byId("detail-subtask-list").addEventListener("click", (event) => {
    const item = /** @type {HTMLElement} */ (event.target).closest("li[data-number]");
    if (item) openDetail(Number(/** @type {HTMLElement} */ (item).dataset.number));
  });
  select("detail-repeat").addEventListener("change", showRepeat);
  field("detail-rule").addEventListener("input", showRepeat);
  field("detail-due-date").addEventListener("change", showRepeat);
  select("detail-remind").addEventListener("change", showRemind);
  dialog().addEventListener("close", () => { current.task = null; });
  window.addEventListener(OPEN_TASK, (event) => {
    openDetail(/** @type {CustomEvent<{number: number}>} */ (event).detail.number);
  });
}
