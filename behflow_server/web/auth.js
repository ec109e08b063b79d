// @ts-check
// Signing in, creating an account and signing out; which view the page shows.
import { api } from "./api.js";
import { clearChat, loadHistory } from "./chat.js";
import { byId, field } from "./dom.js";
import { forgetPosition, startEvents, stopEvents } from "./events.js";
import { forget, remember, session, ZONE } from "./session.js";
import { clearTasks, loadTasks, onTaskFrame } from "./tasks.js";

export function showView() {
  const signedIn = Boolean(session.token);
  byId("auth-view").hidden = signedIn;
  byId("app-view").hidden = !signedIn;
  byId("logout").hidden = !signedIn;
  byId("help-button").hidden = !signedIn;
  // Connection state means nothing before signing in: no `offline` pill on the sign-in page.
  byId("live").hidden = !signedIn;
  byId("whoami").textContent = signedIn ? session.username : "";
  if (signedIn) {
    loadTasks();
    loadHistory();
    startEvents(onTaskFrame);
  } else {
    stopEvents();
    byId("auth-username").focus();
  }
}

/** @param {string} [message] shown on the sign-in form */
export function signOut(message) {
  forget();
  forgetPosition();
  clearTasks();
  clearChat();
  showView();
  if (message) byId("auth-error").textContent = message;
}

/** @param {SubmitEvent} event */
async function onAuthSubmit(event) {
  event.preventDefault();
  const submitter = /** @type {HTMLButtonElement | null} */ (event.submitter);
  const mode = submitter && submitter.value === "register" ? "register" : "login";
  const username = field("auth-username").value.trim();
  const password = field("auth-password").value;
  byId("auth-error").textContent = "";
  /** @type {Record<string, unknown>} */
  const body = { username, password };
  if (mode === "register") {
    body.timezone = ZONE;
    body.reschedule_overdue = field("auth-reschedule").checked;
  }
  try {
    /** @type {import("./types.js").TokenReply} */
    const result = await api(`/${mode}`, { method: "POST", body });
    field("auth-password").value = "";
    // The choice belongs to the account just made; the next sign-up starts from "no" again.
    field("auth-reschedule").checked = false;
    remember(result.access_token, username);
    showView();
  } catch (error) {
    byId("auth-error").textContent = error instanceof Error ? error.message : String(error);
  }
}

async function onLogout() {
  // Signed out here first, so nothing else (the live stream, a pending reload) still uses the
  // token the server is about to revoke.
  const token = session.token;
  signOut();
  if (!token) return;
  try {
    await api("/logout", { method: "POST", extraHeaders: { Authorization: `Bearer ${token}` } });
  } catch {
    // Signed out locally all the same; the token expires on its own.
  }
}

export function initAuth() {
  byId("auth-form").addEventListener("submit", onAuthSubmit);
  byId("logout").addEventListener("click", onLogout);
}
