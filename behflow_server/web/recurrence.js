// @ts-check
// Recurrence rules (RFC 5545 RRULE text, as the API stores them) said in words:
// "FREQ=WEEKLY;BYDAY=MO" -> "every Monday".

const DAY_NAMES = /** @type {Record<string, string>} */ ({
  MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday", SA: "Saturday", SU: "Sunday",
});
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
const UNITS = /** @type {Record<string, string>} */ ({
  SECONDLY: "second", MINUTELY: "minute", HOURLY: "hour", DAILY: "day", WEEKLY: "week",
  MONTHLY: "month", YEARLY: "year",
});

/**
 * @param {number} n
 * @returns {string}
 */
function ordinal(n) {
  if (n === -1) return "last";
  if (n < 0) return `${ordinal(-n)} to last`;
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th");
  return `${n}${suffix}`;
}

/** @param {string[]} items */
function joined(items) {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * "MO" -> "Monday", "1MO" -> "first Monday", "-1FR" -> "last Friday"; null if not a day.
 * @param {string} token
 */
function dayWords(token) {
  const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(token);
  if (!match) return null;
  const name = DAY_NAMES[match[2]];
  if (!match[1]) return name;
  const n = Number(match[1]);
  const words = /** @type {Record<number, string>} */ ({ 1: "first", 2: "second", 3: "third", 4: "fourth" });
  return `${n > 0 && words[n] ? words[n] : ordinal(n)} ${name}`;
}

/** @param {string} value an UNTIL value: 20261120 or 20261120T230000Z */
function untilWords(value) {
  const match = /^(\d{4})(\d{2})(\d{2})/.exec(value);
  if (!match) return value;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" })
    .format(date);
}

/**
 * The rule in words; the rule itself when it uses parts this cannot say.
 * @param {string | null | undefined} rule
 * @returns {string}
 */
export function describeRule(rule) {
  if (!rule) return "";
  const text = rule.trim().replace(/^RRULE:/i, "");
  /** @type {Record<string, string>} */
  const parts = {};
  for (const piece of text.toUpperCase().split(";")) {
    if (!piece.trim()) continue;
    const [key, value = ""] = piece.split("=");
    parts[key.trim()] = value.trim();
  }
  const unit = UNITS[parts.FREQ];
  if (!unit) return rule;
  if ("BYSETPOS" in parts) {
    // BYSETPOS=1;BYDAY=MO is BYDAY=1MO ("the first Monday"); other uses are left as written.
    if (!/^[A-Z]{2}$/.test(parts.BYDAY || "") || !/^-?\d+$/.test(parts.BYSETPOS)) return rule;
    parts.BYDAY = `${Number(parts.BYSETPOS)}${parts.BYDAY}`;
    delete parts.BYSETPOS;
  }
  const known = new Set(["FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYHOUR", "BYMINUTE",
    "COUNT", "UNTIL", "WKST"]);
  if (Object.keys(parts).some((key) => !known.has(key))) return rule;
  const interval = Number(parts.INTERVAL || "1");
  if (!Number.isInteger(interval) || interval < 1) return rule;
  const every = interval === 1 ? `every ${unit}` : `every ${interval} ${unit}s`;

  const days = parts.BYDAY ? parts.BYDAY.split(",").map(dayWords) : [];
  if (days.some((d) => d === null)) return rule;
  const dayList = /** @type {string[]} */ (days);
  const monthDays = parts.BYMONTHDAY ? parts.BYMONTHDAY.split(",").map(Number) : [];
  const months = parts.BYMONTH ? parts.BYMONTH.split(",").map((m) => MONTHS[Number(m) - 1]) : [];
  if (monthDays.some((d) => !Number.isInteger(d) || d === 0) || months.some((m) => !m)) return rule;

  let words = every;
  const weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
  if (parts.FREQ === "WEEKLY" || (parts.FREQ === "DAILY" && dayList.length)) {
    if (dayList.length === 5 && weekdays.every((d) => dayList.includes(d))) {
      words = interval === 1 ? "every weekday" : `${every} on weekdays`;
    } else if (dayList.length) {
      words = interval === 1 ? `every ${joined(dayList)}` : `${every} on ${joined(dayList)}`;
    }
  } else if (parts.FREQ === "YEARLY" && months.length === 1 && monthDays.length === 1
    && monthDays[0] > 0 && !dayList.length) {
    words = `${every} on ${monthDays[0]} ${months[0].slice(0, 3)}`;
  } else {
    const on = [];
    if (dayList.length) on.push(`the ${joined(dayList)}`);
    if (monthDays.length) on.push(`the ${joined(monthDays.map((d) => (d < 0 ? `${ordinal(d)} day` : ordinal(d))))}`);
    if (on.length) words += ` on ${on.join(" and ")}`;
    if (months.length) words += ` in ${joined(months)}`;
  }
  if (/^\d+$/.test(parts.BYHOUR || "")) {
    const minute = /^\d+$/.test(parts.BYMINUTE || "") ? Number(parts.BYMINUTE) : 0;
    words += ` at ${String(Number(parts.BYHOUR)).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
  }
  if (parts.COUNT) {
    const count = Number(parts.COUNT);
    words += count === 1 ? ", once" : `, ${count} times`;
  }
  if (parts.UNTIL) words += `, until ${untilWords(parts.UNTIL)}`;
  return words;
}
