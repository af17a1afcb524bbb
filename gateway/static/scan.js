// Booth scanner: camera, handheld scanner (types like a keyboard) or a typed short code.
// Every scan is queued first, then sent; without network the badge's signature is checked
// here with the public key and the queue syncs by itself, each scan exactly once (its id).
import { $, fmt, lang, pageTexts, request, time } from "./common.js";

const T = pageTexts();
const KEY = { device: "ndld.device", booth: "ndld.booth", pubkey: "ndld.pubkey", queue: "ndld.queue",
              seen: "ndld.seen", queueBooth: "ndld.queue.booth", refused: "ndld.refused" };
// Past this the scanner answers from the badge alone and queues the scan: a volunteer never waits long.
const SEND_LIMIT_MS = 4000;
const SYNC_EVERY_MS = 5000;
let online = true;

const load = (key, fallback) => { try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; } };
const save = (key, value) => localStorage.setItem(key, JSON.stringify(value));
const newId = () => (crypto.randomUUID ? crypto.randomUUID() :
  Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12)).replace(/[^A-Za-z0-9_-]/g, "");

// --- device pairing -------------------------------------------------------------------
function takeDeviceFromLink() {
  const match = location.hash.match(/device=([A-Za-z0-9_-]+)/);
  if (match) {
    localStorage.setItem(KEY.device, match[1]);
    history.replaceState(null, "", location.pathname + location.search);
  }
}
const deviceToken = () => localStorage.getItem(KEY.device);

const api = (method, path, body) => request(method, path, { body, token: deviceToken(), limitMs: SEND_LIMIT_MS });
const refusedDevice = (err) => err.status === 401 || err.status === 403;

function showPairing(message) {
  $("scanner").hidden = true;
  $("pair").hidden = false;
  $("pair-error").hidden = !message;
  $("pair-error").textContent = message || "";
  $("pairing-code").focus();
}

$("pair").addEventListener("submit", async (event) => {
  event.preventDefault();
  let device;
  try {
    device = await api("POST", "/api/devices/pair", { pairing_code: $("pairing-code").value });
  } catch (err) { return showPairing(err.status ? T.scan_pair_failed : T.scan_offline); }
  localStorage.setItem(KEY.device, device.device_token);
  save(KEY.booth, device.booth);
  keepQueueFor(device.booth.id);
  await start();
});

// A device that was revoked or expired keeps its unsent scans: once the volunteer pairs again
// for the same booth they are sent; scans made at another booth cannot be, and are dropped.
function forgetDevice(err) {
  const booth = load(KEY.booth, null);
  if (booth) save(KEY.queueBooth, booth.id);
  localStorage.removeItem(KEY.device);
  localStorage.removeItem(KEY.booth);
  showPairing(err.message || T.scan_device_revoked);
}

function keepQueueFor(boothId) {
  const queuedAt = load(KEY.queueBooth, boothId);
  if (queuedAt !== boothId) { save(KEY.queue, []); save(KEY.refused, []); renderRefused(); }
  localStorage.removeItem(KEY.queueBooth);
}

// --- offline signature check ------------------------------------------------------------
const b64 = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - text.length % 4) % 4)), (c) => c.charCodeAt(0));
let noble = null;

async function verifyOffline(token) {
  const parts = token.split(".");
  const publicKey = localStorage.getItem(KEY.pubkey);
  if (parts.length !== 3 || parts[0] !== "v1" || !publicKey) return null;
  try {
    const message = new TextEncoder().encode(parts[0] + "." + parts[1]);
    const signature = b64(parts[2]);
    const keyBytes = b64(publicKey);
    let valid;
    try {
      const key = await crypto.subtle.importKey("raw", keyBytes, { name: "Ed25519" }, false, ["verify"]);
      valid = await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    } catch {
      noble = noble || await import("/vendor/ed25519.js");
      valid = await noble.verifyAsync(signature, message, keyBytes);
    }
    if (!valid) return { valid: false };
    const claims = JSON.parse(new TextDecoder().decode(b64(parts[1])));
    return { valid: true, code: claims.c, name: claims.n };
  } catch { return { valid: false }; }
}

// --- results ------------------------------------------------------------------------------
let clearTimer = null;
function show(kind, title, name, detail) {
  const box = $("result");
  box.className = "result " + kind;
  $("result-title").textContent = title;
  $("result-name").textContent = name || "";
  $("result-detail").textContent = detail || "";
  if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 120 : [80, 60, 80]);
  beep(kind);
  clearTimeout(clearTimer);
  clearTimer = setTimeout(() => { box.className = "result idle"; }, 4000);
}

let audio = null;
function beep(kind) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = kind === "ok" ? 880 : kind === "warn" ? 520 : 220;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + (kind === "bad" ? 0.35 : 0.12));
  } catch { /* no sound is fine */ }
}

function showOutcome(outcome) {
  const seen = new Set(load(KEY.seen, []));
  if (outcome.attendee) { seen.add(outcome.attendee.code); save(KEY.seen, [...seen]); }
  const visits = outcome.attendee ? fmt(T.scan_visits, { n: outcome.booths_visited, m: outcome.passport_required }) : "";
  if (outcome.status === "checked_in") {
    show("ok", T.scan_checked_in, outcome.attendee.name,
         outcome.passport_completed ? T.scan_passport : visits);
  } else if (outcome.status === "already_checked_in") {
    show("warn", T.scan_already, outcome.attendee.name, visits);
  } else {
    show("bad", T.scan_rejected, "", reasonText(outcome.reason));
  }
}

const reasonText = (reason) => T["scan_reason_" + reason] || reason;

async function showOffline(scan) {
  if (!scan.payload.startsWith("v1.")) return show("warn", T.scan_offline_code, scan.payload.toUpperCase(), "");
  const claims = await verifyOffline(scan.payload);
  if (claims && !claims.valid) return show("bad", T.scan_rejected, "", T.scan_reason_forged);
  if (claims && new Set(load(KEY.seen, [])).has(claims.code)) return show("warn", T.scan_already, claims.name, "");
  if (claims) {
    const seen = new Set(load(KEY.seen, [])); seen.add(claims.code); save(KEY.seen, [...seen]);
  }
  show("ok", T.scan_offline_saved, claims ? claims.name : "", "");
}

// --- the queue --------------------------------------------------------------------------------
function setOnline(value) {
  online = value;
  $("net").textContent = value ? T.scan_online : T.scan_offline;
  $("net").className = "status " + (value ? "live" : "stale");
}

function renderPending() {
  const count = load(KEY.queue, []).length;
  $("pending").hidden = count === 0;
  $("pending").textContent = fmt(T.scan_pending, { n: count });
}

function dequeue(scanId) {
  save(KEY.queue, load(KEY.queue, []).filter((scan) => scan.scan_id !== scanId));
  renderPending();
}

// Sends one queued scan: its outcome, or null when the network or server is not there.
async function send(scan) {
  let outcome;
  try {
    outcome = await api("POST", "/api/checkins", scan);
  } catch (err) {
    if (refusedDevice(err)) { forgetDevice(err); return null; }
    if (!err.status || err.status >= 500) { setOnline(false); return null; }
    outcome = { status: "rejected", reason: "malformed" };
  }
  setOnline(true);
  dequeue(scan.scan_id);  // answered (even a refusal): never send it again
  return outcome;
}

// --- refused later -------------------------------------------------------------------------
// A scan the server refuses after the volunteer saw only the offline answer stays listed, with
// the reason and the time, until dismissed: the attendee may still be at the booth to be told.
const codeLabel = (payload) => (payload.length > 12 ? payload.slice(0, 12) + "…" : payload.toUpperCase());

function renderRefused() {
  const refused = load(KEY.refused, []);
  const list = $("refused-list");
  list.replaceChildren(...refused.map((item) => {
    const li = document.createElement("li");
    const what = document.createElement("div");
    const code = Object.assign(document.createElement("strong"), { className: "refused-code", textContent: item.label });
    const at = Object.assign(document.createElement("time"), { dateTime: item.at, textContent: time(item.at) });
    const reason = Object.assign(document.createElement("span"), { className: "refused-reason", textContent: reasonText(item.reason) });
    what.append(code, " · ", at, reason);
    const dismiss = Object.assign(document.createElement("button"), { type: "button", className: "dismiss secondary",
      textContent: T.scan_dismiss });
    dismiss.setAttribute("aria-label", fmt(T.scan_dismiss_code, { code: item.label }));
    dismiss.addEventListener("click", () => {
      save(KEY.refused, load(KEY.refused, []).filter((other) => other.scan_id !== item.scan_id));
      renderRefused();
    });
    li.append(what, dismiss);
    return li;
  }));
  $("refused").hidden = refused.length === 0;
}

function keepRefused(scan, outcome) {
  const refused = load(KEY.refused, []);
  if (refused.some((item) => item.scan_id === scan.scan_id)) return;  // a replayed answer
  save(KEY.refused, [...refused, { scan_id: scan.scan_id, label: codeLabel(scan.payload),
                                   reason: outcome.reason, at: scan.client_time }]);
  renderRefused();
}

const outcomes = new Map();  // scan id -> the server's answer, for a scan whose answer is awaited on screen
const awaited = new Set();  // scans being sent while the volunteer waits for their answer
let running = null;

async function handleScan(payload) {
  payload = payload.trim();
  if (!payload) return;
  const scan = { scan_id: newId(), payload, client_time: new Date().toISOString() };
  save(KEY.queue, [...load(KEY.queue, []), scan]);  // queued before anything can fail
  renderPending();
  awaited.add(scan.scan_id);
  if (online) await sync();
  awaited.delete(scan.scan_id);
  const outcome = outcomes.get(scan.scan_id);
  outcomes.delete(scan.scan_id);
  if (outcome) showOutcome(outcome); else await showOffline(scan);
}

// Sends the queue oldest first, including scans added while it runs; one run at a time.
function sync() {
  if (!running && deviceToken()) {
    running = (async () => {
      let scan;
      while ((scan = load(KEY.queue, [])[0])) {
        const outcome = await send(scan);
        if (!outcome) break;
        if (awaited.has(scan.scan_id)) outcomes.set(scan.scan_id, outcome);
        else if (outcome.status === "rejected") keepRefused(scan, outcome);
      }
    })().finally(() => { running = null; renderPending(); });
  }
  return running || Promise.resolve();
}

// --- camera -----------------------------------------------------------------------------------
let stream = null;
let lastPayload = { text: "", at: 0 };

function onDecoded(text) {
  const now = Date.now();
  if (text === lastPayload.text && now - lastPayload.at < 3000) return;  // the same badge held up
  lastPayload = { text, at: now };
  handleScan(text);
}

async function startCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch {
    $("camera-error").hidden = false;
    $("camera-error").textContent = T.scan_camera_denied;
    return;
  }
  const video = $("camera");
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  $("camera-toggle").textContent = T.scan_camera_off;
  const detector = "BarcodeDetector" in window &&
    (await BarcodeDetector.getSupportedFormats()).includes("qr_code") ? new BarcodeDetector({ formats: ["qr_code"] }) : null;
  if (!detector && !window.jsQR) {
    await new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement("script"), { src: "/vendor/jsQR.js", onload: resolve, onerror: reject });
      document.head.appendChild(script);
    });
  }
  const canvas = $("frame");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const tick = async () => {
    if (!stream) return;
    if (video.readyState >= 2) {
      if (detector) {
        const codes = await detector.detect(video).catch(() => []);
        if (codes.length) onDecoded(codes[0].rawValue);
      } else {
        const scale = Math.min(1, 640 / video.videoWidth);
        canvas.width = video.videoWidth * scale; canvas.height = video.videoHeight * scale;
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        if (code && code.data) onDecoded(code.data);
      }
    }
    setTimeout(tick, 150);
  };
  tick();
}

function stopCamera() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  $("camera").hidden = true;
  $("camera-toggle").textContent = T.scan_camera_on;
}

$("camera-toggle").addEventListener("click", () => (stream ? stopCamera() : startCamera()));

// A handheld scanner types the payload and presses Enter; so does a person typing a code.
$("manual").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("scan-input");
  const value = input.value;
  input.value = "";
  input.focus();
  handleScan(value);
});

// --- start ------------------------------------------------------------------------------------
async function start() {
  if (!deviceToken()) return showPairing();
  $("pair").hidden = true;
  $("scanner").hidden = false;
  const booth = load(KEY.booth, null);
  if (booth) $("booth-name").textContent = booth.name[lang] || booth.name.vi;
  renderPending();
  renderRefused();
  try {
    const info = await api("GET", "/api/devices/me");
    save(KEY.booth, info.booth);
    keepQueueFor(info.booth.id);
    $("booth-name").textContent = info.booth.name[lang] || info.booth.name.vi;
    localStorage.setItem(KEY.pubkey, (await api("GET", "/api/scanner-key")).public_key);
    setOnline(true);
  } catch (err) {
    if (refusedDevice(err)) return forgetDevice(err);
    setOnline(false);
  }
  $("scan-input").focus();
  sync();
}

window.addEventListener("online", () => { setOnline(true); sync(); });
window.addEventListener("offline", () => setOnline(false));
setInterval(sync, SYNC_EVERY_MS);
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
takeDeviceFromLink();
start();
