// @ts-check
// The live event stream (GET /api/v1/events): reconnects by itself, resuming from the last event
// seen, and shows `live`/`offline` in the header pill.
import { ApiError, request } from "./api.js";
import { byId } from "./dom.js";
import { session } from "./session.js";
import { readFrames } from "./sse.js";

/** @type {{controller: AbortController | null, lastEventId: string | null}} */
const stream = { controller: null, lastEventId: null };

// Retries start fast and stay short, so the page notices soon when the server is back.
const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 5000;

/** @param {boolean} online */
function setLive(online) {
  const pill = byId("live");
  pill.textContent = online ? "live" : "offline";
  pill.className = `pill ${online ? "online" : "offline"}`;
}

/**
 * @param {AbortController} controller
 * @param {(frame: import("./types.js").Frame) => void} onFrame
 */
async function run(controller, onFrame) {
  let delay = FIRST_RETRY_MS;
  while (session.token && !controller.signal.aborted) {
    try {
      /** @type {Record<string, string>} */
      const extraHeaders = { Accept: "text/event-stream" };
      if (stream.lastEventId) extraHeaders["Last-Event-ID"] = stream.lastEventId;
      const response = await request("/api/v1/events", { signal: controller.signal, extraHeaders });
      setLive(true);
      delay = FIRST_RETRY_MS;
      await readFrames(response, (frame) => {
        if (frame.id) stream.lastEventId = frame.id;
        onFrame(frame);
      });
    } catch (error) {
      if (controller.signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) return;
    }
    setLive(false);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, LONGEST_RETRY_MS);
  }
}

/** @param {(frame: import("./types.js").Frame) => void} onFrame */
export function startEvents(onFrame) {
  stopEvents();
  const controller = new AbortController();
  stream.controller = controller;
  run(controller, onFrame);
}

export function stopEvents() {
  if (stream.controller) stream.controller.abort();
  stream.controller = null;
  setLive(false);
}

export function forgetPosition() {
  stream.lastEventId = null;
}
