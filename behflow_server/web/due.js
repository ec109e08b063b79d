// @ts-check
// Relative due labels, the one rule shared with the CLI and the TUI
// (tests/support/relative_due_cases.json): calendar days are counted in the viewer's time zone,
// and a due time of 23:59 local means the whole day.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The local calendar day (as a day number) and wall-clock time of an instant, in `zone`
 * (the browser's own zone when undefined).
 * @param {number} ms
 * @param {string | undefined} zone
 * @returns {{day: number, hour: number, minute: number}}
 */
function local(ms, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23",
    year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric",
  }).formatToParts(new Date(ms));
  /** @param {string} type */
  const part = (type) => Number((parts.find((p) => p.type === type) || { value: "0" }).value);
  return {
    day: Math.round(Date.UTC(part("year"), part("month") - 1, part("day")) / 86_400_000),
    hour: part("hour"),
    minute: part("minute"),
  };
}

/**
 * Whether a due instant is an all-day date (23:59 local).
 * @param {string} dueIso
 * @param {string} [zone]
 */
export function isAllDay(dueIso, zone) {
  const at = local(Date.parse(dueIso), zone);
  return at.hour === 23 && at.minute === 59;
}

/**
 * @param {number} days a positive number of calendar days
 * @returns {string}
 */
function span(days) {
  if (days >= 60) return `${Math.floor(days / 30)} months`;
  return days === 1 ? "1 day" : `${days} days`;
}

/**
 * The label for a due date: "today", "tomorrow", "in 5 h", "overdue 1 day", ...
 * @param {string | null | undefined} dueIso the task's due_at
 * @param {number} [now] milliseconds since the epoch
 * @param {string} [zone] an IANA zone; the browser's when left out
 * @returns {string}
 */
export function relativeDue(dueIso, now = Date.now(), zone = undefined) {
  if (!dueIso) return "";
  const dueMs = Date.parse(dueIso);
  const due = local(dueMs, zone);
  const today = local(now, zone);
  const days = due.day - today.day;
  if (days === 0) {
    if (due.hour === 23 && due.minute === 59) return "today";
    const diff = dueMs - now;
    if (Math.abs(diff) < MINUTE) return "due now";
    const size = Math.abs(diff);
    const amount = size < HOUR ? `${Math.floor(size / MINUTE)} min` : `${Math.floor(size / HOUR)} h`;
    return diff > 0 ? `in ${amount}` : `overdue ${amount}`;
  }
  if (days === 1) return "tomorrow";
  if (days > 1) return `in ${span(days)}`;
  return `overdue ${span(-days)}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * A day as people write it, "20 Nov" (with the year when it is not this year's), in the
 * browser's zone; spelled as the CLI's short_day does (not Intl's "Sept").
 * @param {string} iso
 * @param {number} [now]
 */
export function shortDate(iso, now = Date.now()) {
  const date = new Date(iso);
  const text = `${date.getDate()} ${MONTHS[date.getMonth()]}`;
  return date.getFullYear() === new Date(now).getFullYear() ? text : `${text} ${date.getFullYear()}`;
}
