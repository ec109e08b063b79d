// @ts-check
// The chat pane: streams the agent's reply token by token (POST /api/v1/chat/stream), shows the
// last session's history after a reload, and flashes the tasks a reply changed.
import { api, request } from "./api.js";
import { byId, el, field } from "./dom.js";
import { readFrames } from "./sse.js";
import { scheduleReload } from "./tasks.js";

/** @typedef {import("./types.js").ChatReply} ChatReply */
/** @typedef {import("./types.js").ChatAction} ChatAction */

/** @type {{sessionId: string | null, loaded: boolean}} */
const chat = { sessionId: null, loaded: false };

const WHO = { me: "you", agent: "agent" };

/**
 * @param {"me" | "agent"} who
 * @param {string} text
 * @param {{extra?: HTMLElement[], modifier?: string}} [options]
 */
function chatEntry(who, text, { extra = [], modifier = "" } = {}) {
  const body = el("p", { text });
  const item = el("li", { className: `msg ${who} ${modifier}`.trim() }, [
    el("span", { className: "who", text: WHO[who] }), body, ...extra,
  ]);
  byId("chat-log").append(item);
  byId("chat-hint").hidden = true;
  item.scrollIntoView({ block: "end" });
  return { item, body };
}

/** @param {Partial<ChatAction>} action */
function actionCard(action) {
  const label = [action.action || "changed", action.number ? `#${action.number}` : "", action.title || ""]
    .filter(Boolean).join(" ");
  return el("div", { className: "action-card", text: label });
}

/** @param {ChatReply} result */
function replyExtras(result) {
  const actions = Array.isArray(result.actions) ? result.actions : [];
  const extra = actions.map(actionCard);
  if (result.pending) {
    const yes = el("button", { type: "button", text: "Yes" });
    const no = el("button", { type: "button", className: "secondary", text: "No" });
    const box = el("div", { className: "confirm" }, [el("span", { text: result.pending.summary }), yes, no]);
    yes.addEventListener("click", () => { box.remove(); sendChat("yes"); });
    no.addEventListener("click", () => { box.remove(); sendChat("no"); });
    extra.push(box);
  }
  return { extra, numbers: actions.map((a) => a.number).filter(Boolean) };
}

/** @param {string} message */
async function sendChat(message) {
  chatEntry("me", message);
  /** @type {{message: string, session_id?: string}} */
  const body = { message };
  if (chat.sessionId) body.session_id = chat.sessionId;
  const { item, body: text } = chatEntry("agent", "…", { modifier: "pending-reply" });
  let streamed = "";
  /** @type {ChatReply | null} */
  let reply = null;
  /** @type {string | null} */
  let failure = null;
  try {
    const response = await request("/api/v1/chat/stream", {
      method: "POST", body, extraHeaders: { Accept: "text/event-stream" },
    });
    await readFrames(response, (frame) => {
      const data = frame.data ? JSON.parse(frame.data) : {};
      if (frame.event === "token") {
        streamed += data.text || "";
        text.textContent = streamed;
      } else if (frame.event === "done") {
        reply = /** @type {ChatReply} */ (data);
      } else if (frame.event === "error") {
        failure = data.message || "The agent could not answer.";
      }
    });
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  item.classList.remove("pending-reply");
  if (reply === null) {
    item.classList.add("error");
    text.textContent = failure || "The reply was cut off; try again.";
    return;
  }
  const done = /** @type {ChatReply} */ (reply);
  chat.sessionId = done.session_id;
  text.textContent = done.reply || streamed;
  const { extra, numbers } = replyExtras(done);
  item.append(...extra);
  item.scrollIntoView({ block: "end" });
  if (numbers.length) scheduleReload(numbers);
}

/** The last session's messages, so a reload does not lose the conversation. */
export async function loadHistory() {
  if (chat.loaded) return;
  chat.loaded = true;
  try {
    /** @type {import("./types.js").ChatSession[]} */
    const sessions = await api("/api/v1/chat/sessions");
    if (!sessions.length) return;
    chat.sessionId = sessions[0].id;
    /** @type {import("./types.js").ChatMessage[]} */
    const messages = await api(`/api/v1/chat/sessions/${encodeURIComponent(sessions[0].id)}/messages`);
    byId("chat-log").replaceChildren();
    for (const message of messages) {
      if (message.role === "user") chatEntry("me", message.content);
      else if (message.role === "assistant") {
        chatEntry("agent", message.content, {
          extra: (message.actions || []).map((a) => actionCard(/** @type {Partial<ChatAction>} */ (a))),
        });
      }
    }
  } catch {
    chat.loaded = false; // try again on the next sign-in or reconnect
  }
}

/** @param {SubmitEvent} event */
function onChatSubmit(event) {
  event.preventDefault();
  const input = field("chat-text");
  const message = input.value.trim();
  if (!message) return;
  input.value = "";
  sendChat(message);
}

export function clearChat() {
  chat.sessionId = null;
  chat.loaded = false;
  byId("chat-log").replaceChildren();
  byId("chat-hint").hidden = false;
}

export function initChat() {
  byId("chat-form").addEventListener("submit", (e) => onChatSubmit(/** @type {SubmitEvent} */ (e)));
}
