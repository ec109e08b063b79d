// @ts-check
// The HTTP API client: every request goes to this page's own origin, the only place the token
// is ever sent, in an Authorization header (never in a URL).
import { session, ZONE } from "./session.js";

/** Fired on `window` when the server stops or starts answering; detail: {reachable: boolean}. */
export const REACHABILITY = "behflow:reachability";
/** Fired on `window` when a signed-in request is answered 401. */
export const UNAUTHORIZED = "behflow:unauthorized";

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status; 0 when the server could not be reached
   * @param {string} code the error body's code
   * @param {string} message one readable sentence
   * @param {unknown} [details] the error body's details (e.g. open_subtasks)
   */
  constructor(status, code, message, details = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** @type {boolean | null} */
let reachable = null;

/**
 * Record whether the server answered; tells the page when that changes.
 * @param {boolean} now
 */
export function setReachable(now) {
  if (reachable === now) return;
  reachable = now;
  window.dispatchEvent(new CustomEvent(REACHABILITY, { detail: { reachable: now } }));
}

/**
 * @param {string} path
 * @param {Record<string, string | number | boolean | null | undefined>} [query]
 * @returns {URL}
 */
export function sameOriginUrl(path, query) {
  const url = new URL(path, window.location.origin);
  if (url.origin !== window.location.origin) throw new Error("refusing a cross-origin request");
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  return url;
}

/**
 * @param {Record<string, string>} [extra]
 * @returns {Record<string, string>}
 */
export function headers(extra = {}) {
  /** @type {Record<string, string>} */
  const result = { "X-Timezone": ZONE, "X-Behflow-Client": "web", ...extra };
  if (session.token) result.Authorization = `Bearer ${session.token}`;
  return result;
}

/**
 * Raise the API's JSON error body as an ApiError.
 * @param {Response} response
 * @returns {Promise<never>}
 */
async function fail(response) {
  /** @type {Partial<import("./types.js").ErrorBody> | null} */
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  const detail = (payload && payload.error) || { code: "error", message: "" };
  if (response.status === 401 && session.token) window.dispatchEvent(new CustomEvent(UNAUTHORIZED));
  throw new ApiError(response.status, detail.code || "error",
    detail.message || `The server answered ${response.status}.`,
    /** @type {{details?: unknown}} */ (detail).details);
}

/**
 * A raw fetch to the API with the page's headers; throws ApiError on a network failure or a
 * non-2xx answer, so callers only see good responses.
 * @param {string} path
 * @param {{method?: string, body?: unknown, query?: Record<string, any>, signal?: AbortSignal, extraHeaders?: Record<string, string>}} [options]
 * @returns {Promise<Response>}
 */
export async function request(path, { method = "GET", body, query, signal, extraHeaders } = {}) {
  /** @type {Record<string, string>} */
  const extra = { ...extraHeaders };
  if (body !== undefined) extra["Content-Type"] = "application/json";
  /** @type {RequestInit} */
  const init = { method, headers: headers(extra), credentials: "omit", cache: "no-store", signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(sameOriginUrl(path, query), init);
  } catch (error) {
    if (signal && signal.aborted) throw error;
    setReachable(false);
    throw new ApiError(0, "unreachable", "The Behflow server cannot be reached.");
  }
  setReachable(true);
  if (!response.ok) return fail(response);
  return response;
}

/**
 * A JSON call to the API; resolves to the parsed body (null for 204).
 * @template T
 * @param {string} path
 * @param {{method?: string, body?: unknown, query?: Record<string, any>, extraHeaders?: Record<string, string>}} [options]
 * @returns {Promise<T>}
 */
export async function api(path, options = {}) {
  const response = await request(path, options);
  if (response.status === 204) return /** @type {T} */ (null);
  try {
    return await response.json();
  } catch {
    return /** @type {T} */ (null);
  }
}
