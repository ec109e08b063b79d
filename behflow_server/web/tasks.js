// @ts-check
// The task list: views (Today, Upcoming, ...), the sidebar of projects and tags, rows with their
// actions, the selected row for the keyboard, and inline title editing.
import { ApiError } from "./api.js";
import { byId, debounce, el, field } from "./dom.js";
import { relativeDue, shortDate } from "./due.js";
import { report, toast } from "./notices.js";
import { TASK_EVENT } from "./notes.js";

import { CONTEXT_CHANGED, loadFilters, showFilterError } from "./filters.js";
import { session } from "./session.js";
import { completeAsking, nest, progressLabel } from "./subtasks.js";
import * as tasks from "./taskapi.js";

/** @typedef {import("./types.js").Task} Task */
/** @typedef {import("./types.js").GroupCount} GroupCount */
/** @typedef {"open" | "today" | "upcoming" | "overdue" | "completed" | "trash" | "project" | "tag" | "saved"} ViewKind */

/** Fired on `window` to open a task's detail view; detail: {number}. */
export const OPEN_TASK = "behflow:open-task";

/**
 * What each view asks the API for; `status` says whether the status filter applies.
 * @type {Record<ViewKind, {title: string, query: Record<string, string>, status: boolean}>}
 */
const VIEWS = {
  open: { title: "All tasks", query: { sort: "due" }, status: true },
  today: { title: "Today", query: { due: "today", sort: "due" }, status: true },
  upcoming: { title: "Upcoming (7 days)", query: { due: "week", sort: "due" }, status: true },
  overdue: { title: "Overdue", query: { due: "overdue", sort: "due" }, status: false },
  completed: { title: "Completed", query: { status: "completed", sort: "-completed" }, status: false },
  trash: { title: "Trash", query: { archived: "only", sort: "-updated" }, status: false },
  project: { title: "Project", query: { sort: "due" }, status: true },
  tag: { title: "Tag", query: { sort: "due" }, status: true },
  saved: { title: "Filter", query: { sort: "due" }, status: true },
};

const list = {
  /** @type {{kind: ViewKind, name: string}} */
  view: { kind: "open", name: "" },
  /** @type {Task[]} */
  items: [],
  /** @type {number | null} */
  selected: null,
  /** Task numbers to flash on the next render (changed by chat or elsewhere). */
  highlight: /** @type {Set<number>} */ (new Set()),
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  reloadTimer: undefined,
  /** A click on a title waits to see whether it is a double click (rename) before opening.
   * @type {ReturnType<typeof setTimeout> | undefined} */
  openTimer: undefined,
  /** A title being edited in place: renders wait until it is done. */
  editing: false,
  reloadWaiting: false,
  /** The server has no GET /api/v1/projects and /tags: stop asking. */
  groupsMissing: false,
  /** Bumped per load, so a slow answer for an old view never replaces a newer one. */
  generation: 0,
};

/** @returns {Record<string, string | number>} */
function currentQuery() {
  const spec = VIEWS[list.view.kind];
  /** @type {Record<string, string | number>} */
  const query = { ...spec.query, limit: 500 };
  if (spec.status) query.status = field("filter-status").value;
  if (list.view.kind === "project") query.project = list.view.name;
  if (list.view.kind === "tag") query.tag = list.view.name;
  if (list.view.kind === "saved") query.filter = list.view.name;
  // The box is the filter language (docs/filters.md); one naming a status picks it.
  const search = field("filter-search").value.trim();
  if (search) query.q = search;
  if (/(^|[\s(+-])(status|is)[.:]/.test(search)) delete query.status;
  return query;
}

/** @param {Task} task */
function isOverdue(task) {
  return task.status !== "completed" && task.due_at !== null && Date.parse(task.due_at) < Date.now();
}

/**
 * @param {string} action
 * @param {Task} task
 * @param {string} label
 * @param {Record<string, string>} props
 */
function actionButton(action, task, label, props) {
  return el("button", { type: "button", dataset: { action, number: task.number }, ...props, text: label });
}

/**
 * @param {Task} task
 * @param {number} [depth] how deep it sits under a listed parent
 * @returns {HTMLElement}
 */
function taskRow(task, depth = 0) {
  const done = task.status === "completed";
  const trashed = task.archived_at !== null;
  const overdue = isOverdue(task);
  const meta = el("span", { className: "meta" });
  if (task.priority !== "none") {
    meta.append(el("span", { className: `badge priority-${task.priority}`, text: task.priority }));
  }
  if (task.status === "in_progress" || task.status === "blocked") {
    meta.append(el("span", { className: `badge status-${task.status}`, text: task.status.replace("_", " ") }));
  }
  if (task.recurrence) {
    const words = task.recurrence_text || "";
    meta.append(el("span", { className: "recurring", title: `Repeats ${words}`, "aria-label": `repeats ${words}`, text: "↻" }));
  }
  const progress = progressLabel(task);
  if (progress) {
    meta.append(el("span", { className: "progress", title: `${progress} subtasks done`, text: progress }));
  }
  for (const tag of task.tags) meta.append(el("span", { className: "tag", text: `#${tag}` }));
  // Written as quick add reads it: `+name` would be a tag, a project is `project:name`.
  if (task.project) {
    meta.append(el("span", { className: "tag project", title: "Project", text: `project:${task.project}` }));
  }
  if (task.due_at) {
    meta.append(el("time", {
      className: overdue ? "due overdue" : "due", datetime: task.due_at,
      title: new Date(task.due_at).toLocaleString(), text: relativeDue(task.due_at),
    }));
  }
  if (task.original_due_at) {
    meta.append(actionButton("restore-due", task, `moved from ${shortDate(task.original_due_at)}`, {
      className: "moved", title: `Moved by ${task.due_moved_by || "automation"}; click to put back the date you set`,
      "aria-label": `Restore the original due date of #${task.number}`,
    }));
  }
  const first = trashed
    ? actionButton("restore", task, "Restore", { className: "secondary small restore", title: "Take it out of the Trash", "aria-label": `Restore #${task.number}` })
    : actionButton(done ? "reopen" : "complete", task, done ? "✓" : "", {
      className: "check", title: done ? "Reopen" : "Complete",
      "aria-label": done ? `Reopen #${task.number}` : `Complete #${task.number}`,
    });
  const last = trashed
    ? el("span")
    : actionButton("delete", task, "✕", { className: "ghost danger", title: "Delete", "aria-label": `Delete #${task.number}` });
  const classes = ["task"];
  if (done) classes.push("done");
  if (trashed) classes.push("trashed");
  if (overdue) classes.push("overdue");
  if (list.highlight.has(task.number)) classes.push("flash");
  if (list.selected === task.number) classes.push("selected");
  if (depth) classes.push("subtask");
  const dataset = { number: task.number, status: task.status, depth: Math.min(depth, 4) };
  return el("li", { className: classes.join(" "), dataset }, [
    first,
    el("span", { className: "number", text: `#${task.number}` }),
    el("span", { className: "title", title: task.title, text: task.title }),
    meta,
    last,
  ]);
}

function render() {
  const listNode = byId("task-list");
  if (list.selected !== null && !list.items.some((t) => t.number === list.selected)) {
    list.selected = null;
  }
  listNode.replaceChildren(...nest(list.items).map(({ task, depth }) => taskRow(task, depth)));
  byId("empty").hidden = list.items.length > 0;
  list.highlight.clear();
}

export async function loadTasks() {
  if (!session.token) return;
  if (list.editing) {
    list.reloadWaiting = true;
    return;
  }
  const generation = ++list.generation;
  try {
    const page = await tasks.listTasks(currentQuery());
    if (generation !== list.generation || list.editing) return;
    // Subtasks under their parents, so j/k walk the rows in the order they are shown.
    list.items = nest(page.items).map(({ task }) => task);
    byId("task-count").textContent = page.total ? `(${page.total})` : "";
    showFilterError("");
    render();
  } catch (error) {
    if (error instanceof ApiError && error.code === "invalid_filter") showFilterError(error.message);
    else report(error);
  }
  loadSidebar();
}

/** @param {GroupCount[]} items @param {"project" | "tag"} kind */
function groupLinks(items, kind) {
  return items.map((item) => {
    const active = list.view.kind === kind && list.view.name === item.name;
    const count = el("span", { className: item.overdue ? "count overdue" : "count", text: item.open || "" });
    return el("li", {}, [el("button", {
      type: "button", className: active ? "nav active" : "nav",
      dataset: { view: kind, name: item.name },
      title: `${item.open} open, ${item.overdue} overdue, ${item.total} in all`,
    }, [el("span", { className: "label", text: kind === "tag" ? `#${item.name}` : item.name }), count])]);
  });
}

/**
 * Counts for the fixed views: one small query each, read from the page total.
 * @param {"open" | "today" | "upcoming" | "overdue"} kind
 */
async function viewCount(kind) {
  const query = { ...VIEWS[kind].query, status: "open", limit: 1 };
  const page = await tasks.listTasks(query);
  for (const node of document.querySelectorAll(`[data-count="${kind}"]`)) {
    node.textContent = page.total ? String(page.total) : "";
  }
}

async function loadSidebarNow() {
  if (!session.token) return;
  loadFilters(list.view.kind === "saved" ? list.view.name : "");
  /** @type {Array<["project" | "tag", () => Promise<import("./types.js").GroupList>]>} */
  const groups = [["project", tasks.listProjects], ["tag", tasks.listTags]];
  await Promise.all([
    ...["open", "today", "upcoming", "overdue"].map((kind) =>
      viewCount(/** @type {"open"} */ (kind)).catch(() => undefined)),
    ...groups.map(async ([kind, load]) => {
      const target = byId(kind === "project" ? "projects" : "tags");
      if (list.groupsMissing) return;
      try {
        const { items } = await load();
        target.replaceChildren(...groupLinks(items, kind));
        if (kind === "project") {
          byId("project-names").replaceChildren(...items.map((i) => el("option", { value: i.name })));
        }
      } catch (error) {
        // The sidebar is a convenience: a server without these endpoints (older than this page)
        // just has no sidebar groups, and a failed refresh keeps the last counts.
        if (error instanceof ApiError && error.status === 404) list.groupsMissing = true;
        else return;
      }
      const empty = target.childElementCount === 0;
      target.hidden = empty;
      byId(`${kind === "project" ? "projects" : "tags"}-title`).hidden = empty;
    }),
  ]);
}

const loadSidebar = debounce(loadSidebarNow, 150);

/**
 * Reload soon (changes often come in bursts), flashing these tasks.
 * @param {number[]} [numbers]
 */
export function scheduleReload(numbers = []) {
  for (const number of numbers) list.highlight.add(number);
  clearTimeout(list.reloadTimer);
  list.reloadTimer = setTimeout(loadTasks, 80);
}

/**
 * Switch view ("today", "project" with a name, ...).
 * @param {ViewKind} kind
 * @param {string} [name]
 */
export function setView(kind, name = "") {
  list.view = { kind, name };
  list.selected = null;
  const spec = VIEWS[kind];
  byId("view-title").textContent = kind === "project" ? `Project: ${name}` : kind === "tag" ? `#${name}`
    : kind === "saved" ? `Filter: ${name}` : spec.title;
  field("filter-status").hidden = !spec.status;
  for (const button of document.querySelectorAll(".sidebar button.nav")) {
    const node = /** @type {HTMLElement} */ (button);
    const active = node.dataset.view === kind && (node.dataset.name || "") === name;
    node.classList.toggle("active", active);
    if (active) node.setAttribute("aria-current", "page");
    else node.removeAttribute("aria-current");
  }
  loadTasks();
}

export function clearTasks() {
  list.items = [];
  list.selected = null;
  byId("task-list").replaceChildren();
}

/** @param {number} number @returns {Task | undefined} */
export function taskByNumber(number) {
  return list.items.find((t) => t.number === number);
}

/** @returns {Task | undefined} */
export function selectedTask() {
  return list.selected === null ? undefined : taskByNumber(list.selected);
}

/** Move the selection by `delta` rows (j/k). @param {number} delta */
export function moveSelection(delta) {
  if (!list.items.length) return;
  const index = list.items.findIndex((t) => t.number === list.selected);
  const next = index < 0 ? (delta > 0 ? 0 : list.items.length - 1)
    : Math.max(0, Math.min(list.items.length - 1, index + delta));
  list.selected = list.items[next].number;
  for (const node of document.querySelectorAll("#task-list li.task")) {
    const item = /** @type {HTMLElement} */ (node);
    const on = Number(item.dataset.number) === list.selected;
    item.classList.toggle("selected", on);
    if (on) item.scrollIntoView({ block: "nearest" });
  }
}

/** @param {number} number */
export function openTask(number) {
  list.selected = number;
  window.dispatchEvent(new CustomEvent(OPEN_TASK, { detail: { number } }));
}

/** @param {number} number */
async function restore(number) {
  try {
    await tasks.restoreTask(number);
    scheduleReload([number]);
  } catch (error) {
    report(error);
  }
}

/**
 * "Done. Next: Fri 12 Dec" for a completed recurring task: its next occurrence is the open task
 * the completion created (same title and rule, a higher number), as the CLI finds it.
 * @param {Task} done
 * @returns {Promise<string>}
 */
async function doneAndNext(done) {
  const page = await tasks.listTasks({ status: "open", search: done.title, sort: "number", limit: 50 });
  const next = page.items.find((item) => item.number > done.number && item.title === done.title
    && item.recurrence === done.recurrence);
  if (!next) return `Done: #${done.number}. That was the last one (${done.recurrence_text}).`;
  if (!next.due_at) return `Done: #${done.number}. Next: #${next.number} (${done.recurrence_text}).`;
  const day = new Date(next.due_at).toLocaleDateString("en-GB", { weekday: "short" });
  return `Done: #${done.number}. Next: ${day} ${shortDate(next.due_at)} (#${next.number}, ${done.recurrence_text}).`;
}

/**
 * Complete or reopen; the server's rules do the rest (a recurring task's next occurrence).
 * @param {Task} task
 */
export async function toggleDone(task) {
  try {
    if (task.status === "completed") {
      await tasks.reopenTask(task.number);
    } else {
      const done = await completeAsking(task);
      if (!done) return;
      if (task.recurrence) toast(await doneAndNext(done));
    }
    scheduleReload([task.number]);
  } catch (error) {
    report(error);
  }
}

/** Into the Trash, with Undo. @param {number} number */
export async function removeTask(number) {
  try {
    await tasks.deleteTask(number);
    toast(`Deleted #${number}.`, { action: { label: "Undo", run: () => restore(number) } });
    scheduleReload([number]);
  } catch (error) {
    report(error);
  }
}

/** @param {number} number */
export async function restoreDueDate(number) {
  try {
    const task = await tasks.restoreDue(number);
    toast(`#${number} is due ${relativeDue(task.due_at)} again.`);
    scheduleReload([number]);
  } catch (error) {
    report(error);
  }
}

/**
 * Edit the title in place: Enter or leaving the box saves, Escape cancels.
 * @param {number} number
 */
export function editTitle(number) {
  const task = taskByNumber(number);
  const item = document.querySelector(`#task-list li.task[data-number="${number}"]`);
  const title = item && item.querySelector(".title");
  if (!task || !title || list.editing) return;
  list.editing = true;
  const input = /** @type {HTMLInputElement} */ (el("input", {
    className: "title-edit", value: task.title, maxlength: 500, "aria-label": `Title of #${number}`,
  }));
  title.replaceWith(input);
  input.focus();
  input.select();
  let finished = false;
  /** @param {boolean} save */
  const finish = async (save) => {
    if (finished) return;
    finished = true;
    const text = input.value.trim();
    if (save && text && text !== task.title) {
      try {
        await tasks.updateTask(number, { title: text });
        list.highlight.add(number);
      } catch (error) {
        report(error);
      }
    }
    list.editing = false;
    list.reloadWaiting = false;
    await loadTasks();
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); finish(true); }
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); finish(false); }
  });
  input.addEventListener("blur", () => finish(true));
}

/** @param {MouseEvent} event */
function onTaskClick(event) {
  const target = /** @type {HTMLElement} */ (event.target);
  if (target.closest("input")) return;
  const item = /** @type {HTMLElement | null} */ (target.closest("li.task"));
  if (!item) return;
  const number = Number(item.dataset.number);
  const task = taskByNumber(number);
  if (!task) return;
  list.selected = number;
  const button = /** @type {HTMLButtonElement | null} */ (target.closest("button[data-action]"));
  const action = button ? button.dataset.action : "open";
  if (action === "complete" || action === "reopen") toggleDone(task);
  else if (action === "delete") removeTask(number);
  else if (action === "restore") restore(number);
  else if (action === "restore-due") restoreDueDate(number);
  else if (event.detail < 2 && !target.closest(".title")) openTask(number);
  else if (target.closest(".title") && event.detail < 2) {
    // A single click on the title opens the task unless a second click (rename) follows.
    clearTimeout(list.openTimer);
    list.openTimer = setTimeout(() => openTask(number), 250);
  }
}

/** @param {MouseEvent} event */
function onTaskDoubleClick(event) {
  const target = /** @type {HTMLElement} */ (event.target);
  const item = /** @type {HTMLElement | null} */ (target.closest("li.task"));
  if (!item || !target.closest(".title")) return;
  clearTimeout(list.openTimer);
  editTitle(Number(item.dataset.number));
}

/** @param {SubmitEvent} event */
async function onQuickAdd(event) {
  event.preventDefault();
  const input = field("quick-text");
  const text = input.value.trim();
  if (!text) return;
  try {
    const task = await tasks.quickAdd(text);
    input.value = "";
    scheduleReload([task.number]);
  } catch (error) {
    report(error);
  }
}

/**
 * A live event: reload on task changes, a notice for a reminder.
 * @param {import("./types.js").Frame} frame
 */
export function onTaskFrame(frame) {
  if (frame.event === "ready" || frame.event === "reset") {
    scheduleReload();
    return;
  }
  if (frame.event === "reminder.due" && frame.data) {
    try {
      const task = JSON.parse(frame.data).data.task;
      toast(`Reminder: #${task.number} ${task.title}`);
    } catch {
      // A malformed frame is not worth more than ignoring it.
    }
    return;
  }
  if (!frame.event.startsWith("task.") || !frame.data) return;
  try {
    const event = JSON.parse(frame.data);
    const task = event.data && event.data.task;
    window.dispatchEvent(new CustomEvent(TASK_EVENT, { detail: { type: frame.event, task } }));
    scheduleReload(task ? [task.number] : []);
  } catch {
    scheduleReload();
  }
}

/** @param {MouseEvent} event */
function onNavClick(event) {
  const button = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (event.target).closest("button.nav"));
  if (!button || !button.dataset.view) return;
  setView(/** @type {ViewKind} */ (button.dataset.view), button.dataset.name || "");
}

export function initTasks() {
  byId("quick-add").addEventListener("submit", onQuickAdd);
  byId("filters").addEventListener("submit", (event) => event.preventDefault());
  byId("filters").addEventListener("change", () => loadTasks());
  byId("filter-search").addEventListener("input", debounce(loadTasks, 250));
  window.addEventListener(CONTEXT_CHANGED, () => loadTasks());
  byId("task-list").addEventListener("click", onTaskClick);
  byId("task-list").addEventListener("dblclick", onTaskDoubleClick);
  document.querySelector(".sidebar")?.addEventListener("click", (e) => onNavClick(/** @type {MouseEvent} */ (e)));
  setView("open");
  // "in 20 min" must not stay "in 20 min": redraw the labels every minute (no request).
  setInterval(() => {
    if (session.token && !list.editing && list.items.length) render();
  }, 60_000);
}
