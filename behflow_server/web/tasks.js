// @ts-check
// The task list: loading it with the filters, quick add, complete/reopen/delete with Undo.
import { api } from "./api.js";
import { byId, debounce, el, field } from "./dom.js";
import { report, toast } from "./notices.js";
import { session } from "./session.js";

/** @typedef {import("./types.js").Task} Task */
/** @typedef {import("./types.js").TaskPage} TaskPage */

const list = {
  /** Task numbers to flash on the next render (changed by chat or elsewhere). */
  highlight: /** @type {Set<number>} */ (new Set()),
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  reloadTimer: undefined,
};

function filterQuery() {
  return {
    status: field("filter-status").value,
    due: field("filter-due").value,
    search: field("filter-search").value.trim(),
    tag: field("filter-tag").value.trim().replace(/^#/, ""),
    sort: "due",
    limit: 500,
  };
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** @param {string} iso */
function relativeDue(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  /** @type {Array<[Intl.RelativeTimeFormatUnit, number]>} */
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === "minute") {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return "";
}

/**
 * @param {Task} task
 * @returns {HTMLElement}
 */
function taskRow(task) {
  const done = task.status === "completed";
  const overdue = !done && task.due_at !== null && new Date(task.due_at).getTime() < Date.now();
  const toggle = el("button", {
    type: "button", className: "check", "aria-label": done ? `Reopen #${task.number}` : `Complete #${task.number}`,
    title: done ? "Reopen" : "Complete", text: done ? "✓" : "",
    dataset: { action: done ? "reopen" : "complete", number: task.number },
  });
  const meta = el("span", { className: "meta" });
  if (task.priority !== "none") {
    meta.append(el("span", { className: `badge priority-${task.priority}`, text: task.priority }));
  }
  if (task.status === "in_progress" || task.status === "blocked") {
    meta.append(el("span", { className: `badge status-${task.status}`, text: task.status.replace("_", " ") }));
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
  const remove = el("button", {
    type: "button", className: "ghost danger", "aria-label": `Delete #${task.number}`,
    title: "Delete", text: "✕", dataset: { action: "delete", number: task.number },
  });
  const classes = ["task"];
  if (done) classes.push("done");
  if (overdue) classes.push("overdue");
  if (list.highlight.has(task.number)) classes.push("flash");
  return el("li", { className: classes.join(" "), dataset: { number: task.number, status: task.status } }, [
    toggle,
    el("span", { className: "number", text: `#${task.number}` }),
    el("span", { className: "title", text: task.title }),
    meta,
    remove,
  ]);
}

export async function loadTasks() {
  if (!session.token) return;
  try {
    /** @type {TaskPage} */
    const page = await api("/api/v1/tasks", { query: filterQuery() });
    byId("task-list").replaceChildren(...page.items.map(taskRow));
    byId("empty").hidden = page.items.length > 0;
    byId("task-count").textContent = page.total ? `(${page.total})` : "";
    list.highlight.clear();
  } catch (error) {
    report(error);
  }
}

/**
 * Reload soon (changes often come in bursts), flashing these tasks.
 * @param {number[]} [numbers]
 */
export function scheduleReload(numbers = []) {
  for (const number of numbers) list.highlight.add(number);
  clearTimeout(list.reloadTimer);
  list.reloadTimer = setTimeout(loadTasks, 80);
}

export function clearTasks() {
  byId("task-list").replaceChildren();
}

/** @param {SubmitEvent} event */
async function onQuickAdd(event) {
  event.preventDefault();
  const input = field("quick-text");
  const text = input.value.trim();
  if (!text) return;
  try {
    /** @type {Task} */
    const task = await api("/api/v1/tasks/quick", { method: "POST", body: { text } });
    input.value = "";
    scheduleReload([task.number]);
  } catch (error) {
    report(error);
  }
}

/** @param {number} number */
async function restore(number) {
  try {
    await api(`/api/v1/tasks/${number}/restore`, { method: "POST" });
    scheduleReload([number]);
  } catch (error) {
    report(error);
  }
}

/** @param {MouseEvent} event */
async function onTaskClick(event) {
  const target = /** @type {HTMLElement} */ (event.target);
  const button = /** @type {HTMLButtonElement | null} */ (target.closest("button[data-action]"));
  if (!button) return;
  const number = Number(button.dataset.number);
  const action = button.dataset.action;
  try {
    if (action === "complete") {
      await api(`/api/v1/tasks/${number}/complete`, { method: "POST" });
    } else if (action === "reopen") {
      await api(`/api/v1/tasks/${number}`, { method: "PATCH", body: { status: "not_started" } });
    } else if (action === "delete") {
      await api(`/api/v1/tasks/${number}`, { method: "DELETE" });
      toast(`Deleted #${number}.`, { action: { label: "Undo", run: () => restore(number) } });
    }
    scheduleReload([number]);
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
    scheduleReload(task ? [task.number] : []);
  } catch {
    scheduleReload();
  }
}

export function initTasks() {
  byId("quick-add").addEventListener("submit", onQuickAdd);
  byId("filters").addEventListener("submit", (event) => event.preventDefault());
  byId("filters").addEventListener("change", () => loadTasks());
  const later = debounce(loadTasks, 250);
  byId("filter-search").addEventListener("input", later);
  byId("filter-tag").addEventListener("input", later);
  byId("task-list").addEventListener("click", onTaskClick);
}
