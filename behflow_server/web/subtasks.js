// @ts-check
// Subtasks on the page: a subtask sits under its listed parent (indented), a parent shows its
// progress ("2/5"), and completing a parent with open subtasks asks what to do with them.
import { ApiError } from "./api.js";
import { byId } from "./dom.js";
import * as tasks from "./taskapi.js";

/** @typedef {import("./types.js").Task} Task */

/**
 * The tasks in list order with their depth: a subtask listed together with its parent goes
 * right under it; the others keep their place.
 * @param {Task[]} items
 * @returns {{task: Task, depth: number}[]}
 */
export function nest(items) {
  const listed = new Set(items.map((t) => t.number));
  /** @type {Map<number, Task[]>} */
  const children = new Map();
  /** @type {Task[]} */
  const roots = [];
  for (const task of items) {
    const parent = task.parent;
    if (parent != null && listed.has(parent) && parent !== task.number) {
      children.set(parent, [...(children.get(parent) || []), task]);
    } else {
      roots.push(task);
    }
  }
  /** @type {{task: Task, depth: number}[]} */
  const result = [];
  const seen = new Set();
  /** @param {Task} task @param {number} depth */
  const walk = (task, depth) => {
    if (seen.has(task.number)) return;
    seen.add(task.number);
    result.push({ task, depth });
    for (const child of children.get(task.number) || []) walk(child, depth + 1);
  };
  for (const task of roots) walk(task, 0);
  for (const task of items) if (!seen.has(task.number)) result.push({ task, depth: 0 });
  return result;
}

/** "2/5" over direct subtasks; "" without subtasks. @param {Task} task */
export function progressLabel(task) {
  const counts = task.subtasks;
  return counts && counts.total ? `${counts.done}/${counts.total}` : "";
}

/**
 * Ask what completing `task` does to its open subtasks.
 * @param {Task} task
 * @param {number} count
 * @returns {Promise<"complete" | "leave" | null>}
 */
export function askAboutSubtasks(task, count) {
  const dialog = /** @type {HTMLDialogElement} */ (byId("subtasks-question"));
  const noun = count === 1 ? "subtask" : "subtasks";
  byId("subtasks-question-text").textContent =
    `#${task.number} ${task.title} has ${count} open ${noun}. Complete its ${count} open ${noun} too?`;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      const value = dialog.returnValue;
      resolve(value === "complete" || value === "leave" ? value : null);
    }, { once: true });
    dialog.showModal();
    byId("subtasks-cancel").focus();
  });
}

/**
 * Complete a task; with open subtasks the user is asked first (and if the server still finds
 * some, its 409 open_subtasks asks too). Resolves to the completed task, or null when the
 * user chose to complete nothing.
 * @param {Task} task
 * @returns {Promise<Task | null>}
 */
export async function completeAsking(task) {
  if (task.subtasks && task.subtasks.total) {
    // Ask before sending: the open tasks anywhere below it, as the server has them now.
    const tree = await tasks.taskTree(task.number);
    const open = tree.items.filter((t) => t.number !== task.number && t.status !== "completed");
    if (open.length) {
      const choice = await askAboutSubtasks(task, open.length);
      return choice ? tasks.completeTask(task.number, choice) : null;
    }
  }
  try {
    return await tasks.completeTask(task.number);
  } catch (error) {
    // Subtasks added since the list was read: the server refuses, and the user is asked.
    if (!(error instanceof ApiError) || error.code !== "open_subtasks") throw error;
    const open = /** @type {{open_subtasks?: number[]}} */ (error.details || {}).open_subtasks || [];
    const choice = await askAboutSubtasks(task, open.length);
    if (!choice) return null;
    return tasks.completeTask(task.number, choice);
  }
}

export function initSubtasks() {
  byId("subtasks-question").addEventListener("cancel", () => {
    /** @type {HTMLDialogElement} */ (byId("subtasks-question")).returnValue = "";
  });
}
