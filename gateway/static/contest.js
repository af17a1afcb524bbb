// Contest player: join, answer against the server's clock, submit once. The player, the answers so
// far and the phone's secret token are kept on the phone: a refresh or a lost signal resumes the same
// entry (the token proves it is this phone's), and the clock continues from the server's deadline.
import { $, errorText, fmt, lang, number, pageTexts, request } from "./common.js";
import { communePicker } from "./commune_picker.js";

var T = pageTexts();
var contest = JSON.parse($("contest").textContent);
var KEY = "ndld.contest." + contest.id;
var saved = JSON.parse(localStorage.getItem(KEY) || "{}");  // {player, entry_id, answers, token}
// Time up on the page a little before the server's deadline, so the automatic submission arrives in time.
var SUBMIT_LEAD_MS = 3000, WARN_MS = 60000;
var entry = null, clockTimer = null, serverOffset = 0, submitting = false;
var commune = communePicker($("commune"));  // the picked commune's code, or the text while no list is loaded
var store = function () { localStorage.setItem(KEY, JSON.stringify(saved)); };
if (!saved.token) {  // kept before the first request: a start whose answer was lost is resumed with it
  saved.token = Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(16)), function (b) {
    return (b + 256).toString(16).slice(1);
  }).join("");
  store();
}

function post(path, body) { return request("POST", path, { body: body }); }

function show(id) { ["join", "entry", "result"].forEach(function (s) { $(s).hidden = s !== id; }); }

function start(player) {
  var sent = Date.now();
  return post("/api/contests/" + encodeURIComponent(contest.id) + "/entries",
    Object.assign({ token: saved.token }, player)).then(function (e) {
    if (saved.entry_id !== e.entry_id) saved.answers = {};
    saved.player = player; saved.entry_id = e.entry_id; store();
    serverOffset = Date.parse(e.server_time) - (sent + Date.now()) / 2;  // the server's now, mid-trip
    entry = e;
    renderEntry();
  });
}

function renderEntry() {
  var list = $("questions");
  list.replaceChildren.apply(list, entry.questions.map(function (q, n) {
    var li = document.createElement("li"); li.className = "card question";
    var text = document.createElement("p"); text.className = "q-text";
    text.textContent = (q.text[lang] || q.text.vi);
    li.append(text);
    q.choices.forEach(function (choice, i) {
      var label = document.createElement("label"); label.className = "choice";
      var input = document.createElement("input");
      input.type = "radio"; input.name = q.id; input.value = i;
      input.checked = saved.answers && saved.answers[q.id] === i;
      input.addEventListener("change", function () { saved.answers[q.id] = i; store(); progress(); });
      label.append(input, " " + "ABCDEF"[i] + ". " + (choice[lang] || choice.vi));
      li.append(label);
    });
    return li;
  }));
  $("prediction-box").hidden = !entry.ask_prediction;
  show("entry");
  progress();
  clearInterval(clockTimer);
  clockTimer = setInterval(tick, 500);
  tick();
}

function progress() {
  $("progress").textContent = fmt(T.quiz_answered, { n: Object.keys(saved.answers || {}).length, m: entry.questions.length });
}

function tick() {
  var left = Math.max(0, Date.parse(entry.deadline) - SUBMIT_LEAD_MS - (Date.now() + serverOffset));
  var s = Math.floor(left / 1000);
  $("clock").textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  $("clock-warning").hidden = left > WARN_MS || left <= 0;
  if (left <= 0) { clearInterval(clockTimer); $("clock").textContent = T.quiz_time_up; submit(true); }
}

$("join").addEventListener("submit", function (e) {
  e.preventDefault();
  var code = $("attendee-code").value.trim();
  var player = code ? { attendee_code: code } :
    { name: $("name").value, phone: $("phone").value, commune: commune.value };
  $("join-error").hidden = true;
  start(player).catch(function (err) { $("join-error").hidden = false; $("join-error").textContent = errorText(err, T.err_unavailable); });
});

// At time up the page submits what it has, without asking; a lost signal is retried while time remains.
function submit(timeUp) {
  var answered = Object.keys(saved.answers || {}).length;
  if (submitting || (!timeUp && answered < entry.questions.length && !confirm(T.quiz_confirm_unanswered))) return;
  var prediction = $("prediction").value === "" ? null : Number($("prediction").value);
  submitting = true; $("submit").disabled = true;
  post("/api/entries/" + encodeURIComponent(entry.entry_id) + "/submit", { answers: saved.answers, prediction: prediction })
    .then(function (r) {
      clearInterval(clockTimer);
      saved.entry_id = null; saved.answers = {}; store();
      $("result-line").textContent = fmt(T.quiz_result_line, { correct: r.correct, total: r.total,
        seconds: number(r.duration_seconds) });
      $("result-perfect").hidden = !r.perfect;
      show("result");
    })
    .catch(function (err) {
      $("submit-error").hidden = false; $("submit-error").textContent = errorText(err, T.err_unavailable);
      var offline = err.status === 0, before = Date.now() + serverOffset < Date.parse(entry.deadline);
      if (timeUp && offline && before) setTimeout(function () { submit(true); }, 1000);
    })
    .finally(function () { submitting = false; $("submit").disabled = false; });
}

$("submit").addEventListener("click", function () { submit(false); });

$("again").addEventListener("click", function () { start(saved.player).catch(function (err) { show("join");
  $("join-error").hidden = false; $("join-error").textContent = errorText(err, T.err_unavailable); }); });

if (saved.player && saved.entry_id) start(saved.player).catch(function () { show("join"); });
else show("join");
