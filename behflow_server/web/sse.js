// @ts-check
// A Server-Sent Events reader over fetch streaming (EventSource cannot send the Authorization
// header), shared by the live event stream and chat streaming.

/**
 * Split complete frames off `buffer`, hand each to `onFrame`, return the incomplete rest.
 * @param {string} buffer
 * @param {(frame: import("./types.js").Frame) => void} onFrame
 * @returns {string}
 */
export function parseFrames(buffer, onFrame) {
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop() || "";
  for (const block of blocks) {
    /** @type {import("./types.js").Frame} */
    const frame = { event: "message", id: null, data: "" };
    /** @type {string[]} */
    const data = [];
    let seen = false;
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(":")) continue;
      seen = true;
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (name === "event") frame.event = value;
      else if (name === "id") frame.id = value;
      else if (name === "data") data.push(value);
    }
    if (!seen) continue; // a comment-only keep-alive
    frame.data = data.join("\n");
    onFrame(frame);
  }
  return rest;
}

/**
 * Read a text/event-stream response body to its end, frame by frame.
 * @param {Response} response
 * @param {(frame: import("./types.js").Frame) => void} onFrame
 */
export async function readFrames(response, onFrame) {
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer = parseFrames(buffer + value, onFrame);
  }
}
