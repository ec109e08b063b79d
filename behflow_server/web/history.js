// @ts-check
// Undo and redo through the server's history: the same history as the CLI's `behflow undo` and
// the TUI's `u`, so an undo here reverts the user's last change whichever client made it.
import { api, ApiError } from "./api.js";
import { byId, el } from "./dom.js";
import { report, toast } from "./notices.js";

/** @typedef {{summary: string, client: string, created_at: string, undone: boolean, changes: Array<{number: number | null}>}} ChangeSet */

/** Where a change came from, as a sentence says it. @param {string} client */
export function origin(client) {
  const name = client.split("/")[0];
  /** @type {Record<string, string>} */
  const known = { cli: "the CLI", tui: "the TUI", web: "the web", mcp: "MCP", api: "the API" };
  if (known[name]) return known[name];
  if (client.startsWith("automation:")) return `automation (${client.slice(11)})`;
  if (client === "import") return "an import";
  return client.startsWith("agent") ? `the ${client}` : client;
}

/**
 * Undo (or redo) the last change; a change overwritten since asks before going ahead.
 * @param {boolean} redo
 * @param {(numbers: number[]) => void} [reload] what to refresh afterwards
 */
export async function revert(redo, reload) {
  const path = `/api/v1/history/${redo ? "redo" : "undo"}`;
  try {
    /** @type {{original: ChangeSet}} */
    let result;
    try {
      result = await api(path, { method: "POST", body: {} });
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "history_conflict") throw error;
      const asked = `${error.message.split(" Reverting")[0]}. ${redo ? "Redo" : "Undo"} anyway?`;
      if (!window.confirm(asked)) return;
      result = await api(path, { method: "POST", body: { force: true } });
    }
    const done = result.original;
    const summary = done.summary.replace(/^redo: /, "");
    toast(`${redo ? "Redid" : "Undid"}: ${summary} (from ${origin(done.client)})`);
    const numbers = done.changes.map((c) => c.number).filter((n) => typeof n === "number");
    if (reload) reload(/** @type {number[]} */ (numbers));
    if (panel().open) await fillHistory();
  } catch (error) {
    report(error);
  }
}

const panel = () => /** @type {HTMLDialogElement} */ (byId("history"));

/** The user's recent changesets, newest first, into the History panel. */
async function fillHistory() {
  /** @type {{items: ChangeSet[]}} */
  const page = await api("/api/v1/history", { query: { limit: 50 } });
  const rows = page.items.map((c) => el("li", { className: c.undone ? "undone" : "" }, [
    el("span", { className: "muted small", text: `${new Date(c.created_at).toLocaleString()} · ${origin(c.client)} · ` }),
    el("span", { text: c.summary }),
  ]));
  byId("history-list").replaceChildren(...(rows.length ? rows : [el("li", { className: "muted", text: "No changes yet." })]));
}

/** Open the History panel (every client's changes, with undo and redo). */
export async function showHistory() {
  try {
    await fillHistory();
    if (!panel().open) panel().showModal();
  } catch (error) {
    report(error);
  }
}

/** @param {(numbers: number[]) => void} reload */
export function initHistory(reload) {
  byId("history-open").addEventListener("click", showHistory);
  byId("history-close").addEventListener("click", () => panel().close());
  byId("history-undo").addEventListener("click", () => revert(false, reload));
  byId("history-redo").addEventListener("click", () => revert(true, reload));
}
