// @ts-check
// The chat pane: talks to the Behflow agent; the tasks a reply changed flash in the list.
import { api } from "./api.js";
import { byId, el, field } from "./dom.js";
import { scheduleReload } from "./tasks.js";

/** @typedef {import("./types.js").ChatReply} ChatReply */

const CHAT_KEY = "behflow.chat_session";

/**
 * @param {string} who "me" or "agent" (plus modifiers)
 * @param {string} text
 * @param {HTMLElement[]} [extra]
 */
function chatEntry(who, text, extra = []) {
  const item = el("li", { className: `msg ${who}` }, [el("p", { text }), ...extra]);
  byId("chat-log").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

/** @param {import("./types.js").ChatAction} action */
function actionCard(action) {
  const label = [action.action || "changed", action.number ? `#${action.number}` : "", action.title || ""]
    .filter(Boolean).join(" ");
  return el("div", { className: "action-card", text: label });
}

/** @param {string} message */
async function sendChat(message) {
  chatEntry("me", message);
  /** @type {{message: string, session_id?: string}} */
  const body = { message };
  const saved = sessionStorage.getItem(CHAT_KEY);
  if (saved) body.session_id = saved;
  const waiting = chatEntry("agent pending-reply", "…");
  try {
    /** @type {ChatReply} */
    const result = await api("/api/v1/chat", { method: "POST", body });
    waiting.remove();
    sessionStorage.setItem(CHAT_KEY, result.session_id);
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
    chatEntry("agent", result.reply || "", extra);
    const numbers = actions.map((a) => a.number).filter(Boolean);
    if (numbers.length) scheduleReload(numbers);
  } catch (error) {
    waiting.remove();
    chatEntry("agent error", error instanceof Error ? error.message : String(error));
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
  sessionStorage.removeItem(CHAT_KEY);
  byId("chat-log").replaceChildren();
}

export function initChat() {
  byId("chat-form").addEventListener("submit", onChatSubmit);
}
