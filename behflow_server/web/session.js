// @ts-check
// Who is signed in: the access token and username, kept in this origin's localStorage.

const TOKEN_KEY = "behflow.token";
const USER_KEY = "behflow.username";

/** The browser's IANA time zone, sent with every request (X-Timezone). */
export const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export const session = {
  /** @type {string | null} */
  token: localStorage.getItem(TOKEN_KEY),
  username: localStorage.getItem(USER_KEY) || "",
};

/**
 * @param {string} token
 * @param {string} username
 */
export function remember(token, username) {
  session.token = token;
  session.username = username;
  localStorage.setItem(TOKEN_KEY, token);
  localStorage.setItem(USER_KEY, username);
}

export function forget() {
  session.token = null;
  localStorage.removeItem(TOKEN_KEY);
}
