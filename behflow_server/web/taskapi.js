// @ts-check
// Typed calls for the task endpoints: the page's only knowledge of their paths.
import { api } from "./api.js";

/** @typedef {import("./types.js").Task} Task */
/** @typedef {import("./types.js").TaskPage} TaskPage */
/** @typedef {import("./types.js").GroupList} GroupList */
/** @typedef {import("./types.js").Note} Note */

const BASE = "/api/v1/tasks";

/**
 * @param {Record<string, string | number | boolean | null | undefined>} query
 * @returns {Promise<TaskPage>}
 */
export const listTasks = (query) => api(BASE, { query });

/** @param {number} number @returns {Promise<Task>} */
export const getTask = (number) => api(`${BASE}/${number}`);

/** @param {string} text @param {number} [parent] a subtask of this task @returns {Promise<Task>} */
export const quickAdd = (text, parent) =>
  api(`${BASE}/quick`, { method: "POST", body: parent ? { text, parent } : { text } });

/** A task and its subtasks, depth-first (GET /tasks/tree?root=N).
 * @param {number} root @returns {Promise<{items: Array<Task & {depth: number}>, total: number}>} */
export const taskTree = (root) => api(`${BASE}/tree`, { query: { root } });

/**
 * @param {number} number
 * @param {Record<string, unknown>} changes fields of TaskUpdate; null clears a field
 * @returns {Promise<Task>}
 */
export const updateTask = (number, changes) => api(`${BASE}/${number}`, { method: "PATCH", body: changes });

/**
 * The RRULE for repeat words ("every 3 days after done"), read by the server's grammar.
 * @param {string} words
 * @returns {Promise<string | null>}
 */
export const readRule = async (words) => {
  const text = /^(every|each|on)\b/i.test(words) ? words : `every ${words}`;
  const preview = await api(`${BASE}/quick`, { method: "POST", body: { text: `x ${text}`, dry_run: true } });
  return preview.parsed.recurrence || null;
};

/** `subtasks`: complete | leave, for a parent with open subtasks (else 409 open_subtasks).
 * @param {number} number @param {"complete" | "leave"} [subtasks] @returns {Promise<Task>} */
export const completeTask = (number, subtasks) =>
  api(`${BASE}/${number}/complete`, { method: "POST", query: subtasks ? { subtasks } : undefined });

/** One server rule for reopening (status back to not started, completed_at cleared).
 * @param {number} number @returns {Promise<Task>} */
export const reopenTask = (number) => api(`${BASE}/${number}/reopen`, { method: "POST" });

/** Archive (the Trash). @param {number} number @returns {Promise<null>} */
export const deleteTask = (number) => api(`${BASE}/${number}`, { method: "DELETE" });

/** Out of the Trash. @param {number} number @returns {Promise<Task>} */
export const restoreTask = (number) => api(`${BASE}/${number}/restore`, { method: "POST" });

/** Put back the due date automation moved. @param {number} number @returns {Promise<Task>} */
export const restoreDue = (number) => api(`${BASE}/${number}/restore-due`, { method: "POST" });

/** @returns {Promise<GroupList>} */
export const listProjects = () => api("/api/v1/projects");

/** @returns {Promise<GroupList>} */
export const listTags = () => api("/api/v1/tags");

/** A task's notes, oldest first. @param {number} number @returns {Promise<{items: Note[]}>} */
export const listNotes = (number) => api(`${BASE}/${number}/notes`);

/** @param {number} number @param {string} body Markdown @returns {Promise<Note>} */
export const addNote = (number, body) => api(`${BASE}/${number}/notes`, { method: "POST", body: { body } });

/** @param {number} number @param {string} id @param {string} body @returns {Promise<Note>} */
export const updateNote = (number, id, body) =>
  api(`${BASE}/${number}/notes/${encodeURIComponent(id)}`, { method: "PATCH", body: { body } });

/** @param {number} number @param {string} id @returns {Promise<null>} */
export const deleteNote = (number, id) =>
  api(`${BASE}/${number}/notes/${encodeURIComponent(id)}`, { method: "DELETE" });
