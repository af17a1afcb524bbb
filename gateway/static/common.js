// The one toolkit every page imports: requests that give up in time, a socket that comes back by
// itself, the page's texts and its way of writing numbers and times. One copy, so pages cannot drift.
export const lang = document.documentElement.lang;
const locale = lang === "vi" ? "vi-VN" : "en-GB";
// The day's times are the market's clock, whatever zone a phone or the projector's computer is set to.
const EVENT_ZONE = "Asia/Ho_Chi_Minh";
// The gateway answers within 10 s (its RPC limit), so a request still waiting after 15 s never will be.
const REQUEST_LIMIT_MS = 15000;
const RECONNECT_FIRST_MS = 500, RECONNECT_MAX_MS = 10000;

export const $ = (id) => document.getElementById(id);

/** The page's texts, which the server writes into the page in its language. */
export const pageTexts = () => JSON.parse($("page-texts").textContent);

/** A text with its "{name}" places filled in. */
export const fmt = (text, vars) => text.replace(/\{(\w+)\}/g, (_, key) => vars[key]);

/**
 * A JSON request in the page's language, with an optional bearer token, that ends within `limitMs`.
 * `file` (a File or Blob) is sent as it is, with its own type, instead of a JSON `body`.
 * Resolves with the answer's JSON (null for 204 No Content). Rejects with the server's JSON error plus its `status`, or with
 * `{error: "unavailable", status: 0}` when no readable answer came in time (offline, stalled, timed out).
 */
export function request(method, path, { body, file, token, limitMs = REQUEST_LIMIT_MS } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limitMs);
  const headers = { "Content-Type": file ? file.type || "application/octet-stream" : "application/json",
    "Accept-Language": lang };
  if (token) headers.Authorization = "Bearer " + token;
  const noAnswer = () => { throw { error: "unavailable", status: 0 }; };
  return fetch(path + (path.includes("?") ? "&" : "?") + "lang=" + lang, {
    method, headers, body: file || (body === undefined ? undefined : JSON.stringify(body)), signal: controller.signal,
  }).then((response) => response.status === 204 ? null : response.json().then((answer) => {
    if (!response.ok) throw { ...answer, status: response.status };
    return answer;
  }, noAnswer), noAnswer).finally(() => clearTimeout(timer));
}

/** What to tell the person about a failed request: the first field's message, the server's message, or `fallback`. */
export function errorText(err, fallback) {
  const fields = (err && err.fields) || {}, first = Object.keys(fields)[0];
  return first ? fields[first].message : (err && err.message) || fallback;
}

/**
 * A WebSocket to `path` on this host that reconnects after growing, jittered pauses (a restarted gateway
 * is not hit by every screen at once). `onStatus(online)` follows it going up and down.
 */
export function socket(path, onMessage, onStatus = () => {}) {
  let ws = null, delay = RECONNECT_FIRST_MS, closed = false;
  const open = () => {
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + path);
    ws.onopen = () => { delay = RECONNECT_FIRST_MS; onStatus(true); };
    ws.onmessage = (event) => { if (!closed) onMessage(JSON.parse(event.data)); };
    ws.onclose = () => {
      if (closed) return;
      onStatus(false);
      setTimeout(open, delay + Math.random() * delay);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    };
  };
  open();
  return {
    /** Sends `message` if the socket is open; says whether it did, so the caller can keep it for later. */
    send: (message) => ws.readyState === WebSocket.OPEN && (ws.send(JSON.stringify(message)), true),
    /** Closes for good: no reconnecting, no more messages. */
    close: () => { closed = true; ws.close(); },
  };
}

const numberFormats = new Map(), timeFormats = new Map();

/** A number written the page's way (1.234 or 1,234); `digits` fixes the decimals shown. */
export function number(value, digits) {
  if (!numberFormats.has(digits)) {
    numberFormats.set(digits, new Intl.NumberFormat(locale, digits === undefined ? {} :
      { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  }
  return numberFormats.get(digits).format(value);
}

/** A moment as the market's clock shows it, "14:05" (or "14:05:09" with seconds). */
export function time(value, withSeconds = false) {
  if (!timeFormats.has(withSeconds)) {
    timeFormats.set(withSeconds, new Intl.DateTimeFormat(locale, { timeZone: EVENT_ZONE, hour: "2-digit",
      minute: "2-digit", ...(withSeconds ? { second: "2-digit" } : {}) }));
  }
  return timeFormats.get(withSeconds).format(new Date(value));
}

let dateTimeFormat = null;

/** A day and time on the market's clock as the page's language writes them ("08:00 02-12", "02/12, 08:00"); a dash for none. */
export function dateTime(value) {
  dateTimeFormat = dateTimeFormat || new Intl.DateTimeFormat(locale, { timeZone: EVENT_ZONE, day: "2-digit",
    month: "2-digit", hour: "2-digit", minute: "2-digit" });
  return value ? dateTimeFormat.format(new Date(value)) : "—";
}
