// Behflow web page: plain JavaScript against the same HTTP API as the CLI and the TUI.
// Every piece of user text goes into the page through textContent, never as HTML; every request
// goes to this page's own origin, the only place the token is ever sent.
"use strict";

const TOKEN_KEY = "behflow.token";
const USER_KEY = "behflow.username";
const THEME_KEY = "behflow.theme";
const CHAT_KEY = "behflow.chat_session";
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const state = {
  token: localStorage.getItem(TOKEN_KEY),
  username: localStorage.getItem(USER_KEY) || "",
  lastEventId: null,
  stream: null,
  reloadTimer: null,
  highlight: new Set(),
};

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// --- HTTP -----------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function sameOriginUrl(path, query) {
  const url = new URL(path, window.location.origin);
  if (url.origin !== window.location.origin) throw new Error("refusing a cross-origin request");
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  return url;
}

function headers(extra = {}) {
  const result = { "X-Timezone": ZONE, ...extra };
  if (state.token) result.Authorization = `Bearer ${state.token}`;
  return result;
}

async function api(path, { method = "GET", body, query } = {}) {
  const init = { method, headers: headers(), credentials: "omit", cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(sameOriginUrl(path, query), init);
  } catch (error) {
    throw new ApiError(0, "unreachable", "The Behflow server cannot be reached.");
  }
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch (error) {
    payload = null;
  }
  if (!response.ok) {
    const detail = (payload && payload.error) || {};
    if (response.status === 401 && state.token) signOut("Your session ended; log in again.");
    throw new ApiError(response.status, detail.code || "error",
      detail.message || `The server answered ${response.status}.`);
  }
  return payload;
}

// --- notices ----------------------------------------------------------------------------------

function toast(message, { kind = "info", action } = {}) {
  const box = el("div", { className: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
    [el("span", { text: message })]);
  if (action) {
    const button = el("button", { type: "button", className: "ghost", text: action.label });
    button.addEventListener("click", () => { box.remove(); action.run(); });
    box.append(button);
  }
  $("toasts").append(box);
  setTimeout(() => box.remove(), action ? 8000 : 4000);
}

function report(error) {
  toast(error instanceof ApiError ? error.message : String(error), { kind: "error" });
}

// --- theme ------------------------------------------------------------------------------------

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  $("theme-toggle").textContent = theme === "dark" ? "Light theme" : "Dark theme";
}

function initialTheme() {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === "dark" || saved === "light") return saved;
  return window.matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

// --- accounts ---------------------------------------------------------------------------------

function showView() {
  const signedIn = Boolean(state.token);
  $("auth-view").hidden = signedIn;
  $("app-view").hidden = !signedIn;
  $("logout").hidden = !signedIn;
  $("whoami").textContent = signedIn ? state.username : "";
  if (signedIn) {
    loadTasks();
    startEvents();
  } else {
    stopEvents();
    $("auth-username").focus();
  }
}

function signIn(token, username) {
  state.token = token;
  state.username = username;
  localStorage.setItem(TOKEN_KEY, token);
  localStorage.setItem(USER_KEY, username);
  showView();
}

function signOut(message) {
  state.token = null;
  state.lastEventId = null;
  localStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(CHAT_KEY);
  $("task-list").replaceChildren();
  $("chat-log").replaceChildren();
  showView();
  if (message) $("auth-error").textContent = message;
}

async function onAuthSubmit(event) {
  event.preventDefault();
  const mode = event.submitter && event.submitter.value === "register" ? "register" : "login";
  const username = $("auth-username").value.trim();
  const password = $("auth-password").value;
  $("auth-error").textContent = "";
  const body = { username, password };
  if (mode === "register") body.timezone = ZONE;
  try {
    const result = await api(`/${mode}`, { method: "POST", body });
    $("auth-password").value = "";
    signIn(result.access_token, username);
  } catch (error) {
    $("auth-error").textContent = error.message;
  }
}

async function onLogout() {
  try {
    await api("/logout", { method: "POST" });
  } catch (error) {
    // Signing out locally still happens; the token expires on its own.
  }
  signOut();
}

// --- tasks ------------------------------------------------------------------------------------

function filterQuery() {
  const status = $("filter-status").value;
  const query = {
    status,
    due: $("filter-due").value,
    search: $("filter-search").value.trim(),
    tag: $("filter-tag").value.trim().replace(/^#/, ""),
    sort: "due",
    limit: 500,
  };
  return query;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

function relativeDue(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === "minute") {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return "";
}

function taskRow(task) {
  const done = task.status === "completed";
  const overdue = !done && task.due_at && new Date(task.due_at).getTime() < Date.now();
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
  if (state.highlight.has(task.number)) classes.push("flash");
  return el("li", { className: classes.join(" "), dataset: { number: task.number, status: task.status } }, [
    toggle,
    el("span", { className: "number", text: `#${task.number}` }),
    el("span", { className: "title", text: task.title }),
    meta,
    remove,
  ]);
}

async function loadTasks() {
  if (!state.token) return;
  try {
    const page = await api("/api/v1/tasks", { query: filterQuery() });
    $("task-list").replaceChildren(...page.items.map(taskRow));
    $("empty").hidden = page.items.length > 0;
    $("task-count").textContent = page.total ? `(${page.total})` : "";
    state.highlight.clear();
  } catch (error) {
    report(error);
  }
}

function scheduleReload(numbers = []) {
  for (const number of numbers) state.highlight.add(number);
  clearTimeout(state.reloadTimer);
  state.reloadTimer = setTimeout(loadTasks, 80);
}

async function onQuickAdd(event) {
  event.preventDefault();
  const input = $("quick-text");
  const text = input.value.trim();
  if (!text) return;
  try {
    const task = await api("/api/v1/tasks/quick", { method: "POST", body: { text } });
    input.value = "";
    scheduleReload([task.number]);
  } catch (error) {
    report(error);
  }
}

async function onTaskClick(event) {
  const button = event.target.closest("button[data-action]");
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
      toast(`Deleted #${number}.`, {
        action: { label: "Undo", run: () => restore(number) },
      });
    }
    scheduleReload([number]);
  } catch (error) {
    report(error);
  }
}

async function restore(number) {
  try {
    await api(`/api/v1/tasks/${number}/restore`, { method: "POST" });
    scheduleReload([number]);
  } catch (error) {
    report(error);
  }
}

// --- chat -------------------------------------------------------------------------------------

function chatEntry(who, text, extra = []) {
  const item = el("li", { className: `msg ${who}` }, [el("p", { text }), ...extra]);
  $("chat-log").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function actionCard(action) {
  const task = action.task || {};
  const number = action.number ?? task.number;
  const label = [action.type || action.action || "changed", number ? `#${number}` : "", task.title || action.title || ""]
    .filter(Boolean).join(" ");
  return el("div", { className: "action-card", text: label });
}

function pendingText(pending) {
  if (typeof pending === "string") return pending;
  return pending.description || pending.summary || pending.message || "Confirm the pending action?";
}

async function sendChat(message) {
  chatEntry("me", message);
  const body = { message };
  const session = sessionStorage.getItem(CHAT_KEY);
  if (session) body.session_id = session;
  const waiting = chatEntry("agent pending-reply", "…");
  try {
    const result = await api("/api/v1/chat", { method: "POST", body });
    waiting.remove();
    sessionStorage.setItem(CHAT_KEY, result.session_id);
    const actions = Array.isArray(result.actions) ? result.actions : [];
    const extra = actions.map(actionCard);
    if (result.pending) {
      const yes = el("button", { type: "button", text: "Yes" });
      const no = el("button", { type: "button", className: "secondary", text: "No" });
      const box = el("div", { className: "confirm" }, [el("span", { text: pendingText(result.pending) }), yes, no]);
      yes.addEventListener("click", () => { box.remove(); sendChat("yes"); });
      no.addEventListener("click", () => { box.remove(); sendChat("no"); });
      extra.push(box);
    }
    chatEntry("agent", result.reply || "", extra);
    const numbers = actions.map((a) => a.number ?? (a.task && a.task.number)).filter(Boolean);
    if (numbers.length) scheduleReload(numbers);
  } catch (error) {
    waiting.remove();
    chatEntry("agent error", error.message);
  }
}

function onChatSubmit(event) {
  event.preventDefault();
  const input = $("chat-text");
  const message = input.value.trim();
  if (!message) return;
  input.value = "";
  sendChat(message);
}

// --- live events: fetch streaming, so the token travels in a header, never in a URL ----------

function setLive(online) {
  const pill = $("live");
  pill.textContent = online ? "live" : "offline";
  pill.className = `pill ${online ? "online" : "offline"}`;
}

function handleFrame(frame) {
  if (frame.id) state.lastEventId = frame.id;
  if (frame.event === "ready" || frame.event === "reset") {
    scheduleReload();
    return;
  }
  if (frame.event === "reminder.due" && frame.data) {
    try {
      const task = JSON.parse(frame.data).data.task;
      toast(`Reminder: #${task.number} ${task.title}`);
    } catch (error) {
      // A malformed frame is not worth more than ignoring it.
    }
    return;
  }
  if (!frame.event.startsWith("task.") || !frame.data) return;
  try {
    const event = JSON.parse(frame.data);
    const task = event.data && event.data.task;
    scheduleReload(task ? [task.number] : []);
  } catch (error) {
    scheduleReload();
  }
}

function parseFrames(buffer, onFrame) {
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop();
  for (const block of blocks) {
    const frame = { event: "message", id: null, data: "" };
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (name === "event") frame.event = value;
      else if (name === "id") frame.id = value;
      else if (name === "data") data.push(value);
    }
    frame.data = data.join("\n");
    onFrame(frame);
  }
  return rest;
}

async function runEvents(controller) {
  let delay = 1000;
  while (state.token && !controller.signal.aborted) {
    try {
      const extra = { Accept: "text/event-stream" };
      if (state.lastEventId) extra["Last-Event-ID"] = state.lastEventId;
      const response = await fetch(sameOriginUrl("/api/v1/events"), {
        headers: headers(extra), credentials: "omit", cache: "no-store", signal: controller.signal,
      });
      if (response.status === 401) {
        signOut("Your session ended; log in again.");
        return;
      }
      if (!response.ok || !response.body) throw new Error(`events answered ${response.status}`);
      setLive(true);
      delay = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer = parseFrames(buffer + value, handleFrame);
      }
    } catch (error) {
      if (controller.signal.aborted) return;
    }
    setLive(false);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 15000);
  }
}

function startEvents() {
  stopEvents();
  const controller = new AbortController();
  state.stream = controller;
  runEvents(controller);
}

function stopEvents() {
  if (state.stream) state.stream.abort();
  state.stream = null;
  setLive(false);
}

// --- start ------------------------------------------------------------------------------------

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

document.addEventListener("DOMContentLoaded", () => {
  applyTheme(initialTheme());
  $("theme-toggle").addEventListener("click", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    localStorage.setItem(THEME_KEY, next);
    applyTheme(next);
  });
  $("auth-form").addEventListener("submit", onAuthSubmit);
  $("logout").addEventListener("click", onLogout);
  $("quick-add").addEventListener("submit", onQuickAdd);
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("filters").addEventListener("change", () => loadTasks());
  $("filter-search").addEventListener("input", debounce(loadTasks, 250));
  $("filter-tag").addEventListener("input", debounce(loadTasks, 250));
  $("task-list").addEventListener("click", onTaskClick);
  $("chat-form").addEventListener("submit", onChatSubmit);
  showView();
});
