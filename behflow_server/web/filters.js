// @ts-check
// Saved filters in the sidebar (click to apply) and the active context in the header (× switches
// it off): docs/filters.md. The search box's text is the filter language, sent as `q`.
import { api, ApiError } from "./api.js";
import { byId, el } from "./dom.js";
import { report } from "./notices.js";
import { session } from "./session.js";

/** @typedef {{name: string, query: string, context: boolean, active: boolean}} SavedFilter */

/** Fired on `window` when the context changed here; the list reloads. */
export const CONTEXT_CHANGED = "behflow:context-changed";

/**
 * @param {SavedFilter[]} items
 * @param {string} current the saved filter the list shows ("" for none)
 */
function links(items, current) {
  return items.map((item) => el("li", {}, [el("button", {
    type: "button", className: item.name === current ? "nav active" : "nav",
    dataset: { view: "saved", name: item.name }, title: item.query,
  }, [el("span", { className: "label", text: item.name })])]));
}

/** The sidebar's saved filters and the header's context. @param {string} current */
export async function loadFilters(current) {
  if (!session.token) return;
  try {
    const [saved, context] = await Promise.all([api("/api/v1/filters"), api("/api/v1/context")]);
    const target = byId("saved-filters");
    target.replaceChildren(...links(saved.items, current));
    target.hidden = byId("saved-title").hidden = saved.items.length === 0;
    byId("context-name").textContent = context.name || "";
    byId("context-pill").title = context.query || "";
    byId("context-pill").hidden = !context.name;
  } catch (error) {
    // A convenience, as the project and tag lists: a failed refresh keeps what is shown.
    if (!(error instanceof ApiError)) throw error;
  }
}

/** Shown under the search box: the server's message for a filter it cannot read. @param {string} message */
export function showFilterError(message) {
  const node = byId("filter-error");
  node.textContent = message;
  node.hidden = !message;
}

export function initFilters() {
  byId("context-off").addEventListener("click", async () => {
    try {
      await api("/api/v1/context", { method: "DELETE" });
      byId("context-pill").hidden = true;
      window.dispatchEvent(new CustomEvent(CONTEXT_CHANGED));
    } catch (error) {
      report(error);
    }
  });
}
