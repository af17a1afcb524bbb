// The MC's control: make a round, open each question with its countdown, close it (by hand or
// when the time runs out), reveal the answer with the histogram and the top 10, move on, finish,
// and start the next round. A reload keeps an unfinished round: the MC screen is never refused, it
// resumes from the server state; a finished one is not resumed, today's rounds are listed instead.
import { $, errorText, fmt, lang, pageTexts, request, time } from "./common.js";
import { followRound, secondsLeft, syncClock } from "./round.js";
import { staff } from "./staff.js";

var T = pageTexts();
var KEY = "ndld.host.round", ROUND_EVENTS = ["opened", "closed", "revealed", "finished"];
var roundId = localStorage.getItem(KEY);
var state = null, timer = null, acting = Promise.resolve(), leave = null;

// One action at a time, in the order tapped: "close" then "reveal" tapped quickly must reach
// the server in that order, or the reveal is refused while the question is still open.
// The question to open is fixed when tapped, so a double tap cannot skip one.
function act(action) {
  var body = action === "open" ? { index: state.index + 1 } : {};
  acting = acting.then(function () { return send(action, body); });
  return acting;
}

function send(action, body) {
  $("host-error").hidden = true;
  return request("POST", "/api/admin/quiz/rounds/" + roundId + "/" + action, { body: body, token: staff.token() })
    .then(function (s) { state = s; syncClock(s.now); render(); })
    .catch(function (err) {
      if (staff.refused(err)) return showLogin(err.message);
      $("host-error").hidden = false; $("host-error").textContent = errorText(err, T.err_unavailable);
    });
}

function refresh() {
  return request("GET", "/api/rounds/" + roundId + "/state").then(function (s) { state = s; syncClock(s.now); render(); });
}

function onMessage(m) {
  if (m.type === "state") { state = m.state; syncClock(state.now); render(); }
  else if (m.type === "answers" && state && m.index === state.index) { state.answers = m.answers; renderAnswers(); }
  else if (ROUND_EVENTS.indexOf(m.type) >= 0) refresh().catch(function () {});
}

// What may come next, so only that is enabled: the rules the server applies, seen from the MC's side.
function nextActions(s) {
  if (s.state === "lobby") return ["open"];
  if (s.state === "open") return ["close"];
  if (s.state === "closed") return ["reveal"];
  if (s.state === "revealed") return s.index + 1 < s.total_questions ? ["open", "finish"] : ["finish"];
  return [];
}

function renderAnswers() { $("answers").textContent = fmt(T.play_answers, { n: state.answers || 0 }); }

function renderButtons(s) {
  var next = nextActions(s);
  document.querySelectorAll("#control [data-action]").forEach(function (b) {
    b.disabled = next.indexOf(b.dataset.action) < 0;
  });
  var open = document.querySelector("[data-action=open]");
  open.textContent = s.index + 1 < s.total_questions ? fmt(T.host_open_n, { n: s.index + 2, m: s.total_questions })
    : T.host_open;
  $("new-round").hidden = s.state !== "finished";
}

function render() {
  var s = state;
  $("round-code").textContent = s.round_id;
  $("q-number").textContent = s.index >= 0 ? fmt(T.play_question, { n: s.index + 1, m: s.total_questions }) : T.play_waiting;
  $("q-text").textContent = s.question ? (s.question.text[lang] || s.question.text.vi) : "";
  var total = (s.histogram || []).reduce(function (a, b) { return a + b; }, 0) || 1;
  var list = $("choices");
  list.replaceChildren.apply(list, (s.question ? s.question.choices : []).map(function (c, i) {
    var li = document.createElement("li");
    li.className = s.state === "revealed" && s.correct === i ? "right" : "";
    var label = document.createElement("span"); label.textContent = "ABCDEF"[i] + ". " + (c[lang] || c.vi);
    var bar = document.createElement("span"); bar.className = "bar";
    bar.style.width = s.histogram ? (100 * s.histogram[i] / total) + "%" : "0";
    var n = document.createElement("strong"); n.textContent = s.histogram ? s.histogram[i] : "";
    li.append(label, bar, n);
    return li;
  }));
  var board = $("leaderboard");
  board.replaceChildren.apply(board, (s.leaderboard || []).map(function (row) {
    var li = document.createElement("li"); li.textContent = row.name + " — " + row.score; return li;
  }));
  renderAnswers();
  renderButtons(s);
  clearInterval(timer);
  $("countdown").textContent = "";
  if (s.state === "open") { timer = setInterval(tick, 250); tick(); }
}

// At zero the question is closed in effect (no answer is taken after it); the MC's close, which
// travels behind the answers still queued, stores it and announces the histogram.
function tick() {
  var left = secondsLeft(state.closes_at);
  $("countdown").textContent = left + "s";
  if (left === 0) { clearInterval(timer); act("close"); }
}

function showRound() {
  $("start").hidden = true; $("control").hidden = false;
  $("join-url").textContent = location.origin + "/play?round=" + roundId;
  leave = followRound(roundId, null, onMessage).close;
}

// Today's rounds, newest first; an unfinished one can be picked up again.
function showStart() {
  if (leave) leave();
  clearInterval(timer);
  roundId = null; state = null; leave = null; localStorage.removeItem(KEY);
  $("control").hidden = true; $("start").hidden = false;
  request("GET", "/api/admin/quiz/rounds", { token: staff.token() }).then(function (rounds) {
    $("today-none").hidden = rounds.length > 0;
    var list = $("today");
    list.replaceChildren.apply(list, rounds.map(function (r) {
      var li = document.createElement("li");
      li.textContent = fmt(T.host_round_row, { code: r.round_id, players: r.players, questions: r.questions,
        state: T["host_state_" + r.state], time: time(r.created_at) });
      if (r.state !== "finished") {
        var resume = document.createElement("button");
        resume.type = "button"; resume.className = "secondary"; resume.textContent = T.host_resume;
        resume.addEventListener("click", function () { use(r.round_id); showRound(); });
        li.append(" ", resume);
      }
      return li;
    }));
  }).catch(function (err) { if (staff.refused(err)) showLogin(err.message); });
}

function use(id) { roundId = id; localStorage.setItem(KEY, id); }

// The pass is checked by the first action that needs it; a refused one brings the prompt back.
function showLogin(message) {
  $("login").hidden = false; $("start").hidden = true; $("control").hidden = true;
  $("login-error").hidden = !message; $("login-error").textContent = message || "";
}

// A remembered round is resumed unless it is over (or gone); then the MC starts from today's list.
function start() {
  if (!roundId) return showStart();
  request("GET", "/api/rounds/" + roundId + "/state").then(function (s) {
    s.state === "finished" ? showStart() : showRound();
  }, function (err) { err.error === "not_found" ? showStart() : showRound(); });
}

$("login").addEventListener("submit", function (e) {
  e.preventDefault(); staff.set($("token").value);
  $("login").hidden = true; start();
});
$("create").addEventListener("submit", function (e) {
  e.preventDefault();
  request("POST", "/api/admin/quiz/rounds", { token: staff.token(), body: {
    question_count: Number($("question-count").value), seconds: Number($("seconds").value) } }).then(function (s) {
    use(s.round_id); state = s; showRound(); render();
  }).catch(function (err) { staff.refused(err) ? showLogin(err.message) : alert(errorText(err, T.err_unavailable)); });
});
document.querySelectorAll("#control [data-action]").forEach(function (b) {
  b.addEventListener("click", function () { act(b.dataset.action); });
});
$("new-round").addEventListener("click", showStart);

if (!staff.token()) showLogin();
else start();
