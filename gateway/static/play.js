// A player on the stage: big answer buttons, the server's countdown, one answer per question.
// The player's token stays on the phone, so a reload or a lost signal resumes with the score.
import { $, errorText, fmt, lang, pageTexts, request } from "./common.js";
import { followRound, secondsLeft, syncClock } from "./round.js";

var T = pageTexts();
// Each choice has a shape as well as a colour, so nobody needs to tell colours apart.
var SHAPES = ["▲", "◆", "●", "■", "★", "✚"];
// An answer sent on the socket that gets no reply in this time goes again by HTTP (it still counts once).
var SOCKET_REPLY_MS = 5000;
var roundId = null, token = null, state = null, timer = null, live = null, waiting = null;

function key(id) { return "ndld.round." + id; }

function join(id, body) {
  return request("POST", "/api/rounds/" + encodeURIComponent(id) + "/join", { body: body }).then(function (joined) {
    roundId = joined.round_id; token = joined.player_token;
    localStorage.setItem(key(roundId), token);
    $("join").hidden = true; $("game").hidden = false;
    live = followRound(roundId, token, onMessage);
  });
}

function onMessage(m) {
  if (m.type === "state") { state = m.state; syncClock(state.now); render(); }
  else if (m.type === "opened") {
    state = Object.assign(state || {}, { state: "open", index: m.index, question: m.question, closes_at: m.closes_at,
      opened_at: m.opened_at, total_questions: m.total_questions, answers: 0, correct: undefined, histogram: undefined,
      player: Object.assign((state && state.player) || {}, { answer: null }) });
    render();
  } else if (m.type === "closed") { state.state = "closed"; state.histogram = m.histogram; render(); }
  else if (m.type === "revealed" || m.type === "finished") { refresh(); }  // the player's own points and place
  else if (m.type === "answers" && state && m.index === state.index) { state.answers = m.answers; }
  else if (m.type === "answer_reply") { clearTimeout(waiting); if (m.status !== 200) refused(m); }
}

function refresh() {
  request("GET", "/api/rounds/" + roundId + "/state?player=" + encodeURIComponent(token))
    .then(function (s) { state = s; syncClock(s.now); render(); }).catch(function () {});
}

function statusText(s, open, answer) {
  if (s.state === "lobby") return T.play_waiting;
  if (s.state === "finished") return T.play_finished;
  if (open) return answer ? T.play_answered : "";
  if (s.state !== "revealed") return T.play_closed;
  if (!answer) return T.play_no_answer;
  return answer.choice === s.correct ? fmt(T.play_right, { points: answer.points }) : T.play_wrong;
}

function standingText(player) {
  if (!player.rank) return "";
  return player.behind === null ? fmt(T.play_leading, { rank: player.rank })
    : fmt(T.play_standing, { rank: player.rank, points: player.behind });
}

function answerButton(s, choice, i, open, answer) {
  var revealed = s.state === "revealed", chosen = !!answer && answer.choice === i;
  var right = revealed && s.correct === i, wrong = revealed && chosen && !right;
  var b = document.createElement("button");
  b.type = "button"; b.disabled = !open || !!answer;
  b.className = "answer a" + i + (chosen ? " chosen" : "") + (right ? " right" : "") + (wrong ? " wrong" : "") +
    (b.disabled && !chosen && !right ? " faded" : "");
  var shape = document.createElement("span"); shape.className = "shape"; shape.textContent = SHAPES[i];
  shape.setAttribute("aria-hidden", "true");
  var label = document.createElement("span"); label.textContent = "ABCDEF"[i] + ". " + (choice[lang] || choice.vi);
  b.append(shape, label);
  if (right || wrong) {
    var mark = document.createElement("span");
    mark.className = "mark"; mark.textContent = right ? "✓" : "✗";
    mark.title = right ? T.play_mark_right : T.play_mark_wrong;
    mark.setAttribute("aria-label", mark.title);
    b.append(mark);
  }
  b.addEventListener("click", function () { choose(i); });
  return b;
}

function render() {
  var s = state, player = s.player || {}, answer = player.answer;
  if (player.score !== null && player.score !== undefined) $("score").textContent = player.score;
  $("q-number").textContent = s.index >= 0 ? fmt(T.play_question, { n: s.index + 1, m: s.total_questions }) : "";
  $("q-text").textContent = s.question && s.state !== "finished" ? (s.question.text[lang] || s.question.text.vi) : "";
  var open = s.state === "open" && secondsLeft(s.closes_at) > 0;
  $("status").textContent = statusText(s, open, answer);
  $("standing").textContent = standingText(player);
  var choices = $("choices");
  choices.replaceChildren.apply(choices, (s.question && s.state !== "finished" ? s.question.choices : [])
    .map(function (c, i) { return answerButton(s, c, i, open, answer); }));
  var board = $("leaderboard");
  board.hidden = !s.leaderboard;
  board.replaceChildren.apply(board, (s.leaderboard || []).map(function (row) {
    var li = document.createElement("li"); li.textContent = row.name + " — " + row.score; return li;
  }));
  clearInterval(timer);
  if (s.state === "open") { timer = setInterval(tick, 250); tick(); }
  else $("countdown").textContent = "";
}

// At zero the question is closed on the server too (its own clock decides), so the phone says so
// at once; the MC's close then brings the histogram.
function tick() {
  var left = secondsLeft(state.closes_at);
  $("countdown").textContent = left + "s";
  if (left === 0) { state.state = "closed"; render(); }
}

// On the round's socket while it is open (no request per answer; the reply comes on it), else by HTTP.
function choose(choice) {
  state.player = Object.assign(state.player || {}, { answer: { choice: choice } });
  render();
  var body = { player_token: token, index: state.index, choice: choice };
  if (live.send(Object.assign({ type: "answer" }, body))) {
    waiting = setTimeout(function () { post(body); }, SOCKET_REPLY_MS);
  } else post(body);
}

function post(body) {
  request("POST", "/api/rounds/" + roundId + "/answer", { body: body }).catch(refused);
}

function refused(err) { $("status").textContent = errorText(err, T.err_unavailable); refresh(); }

// A token this round no longer knows (another day's, a wiped phone) is forgotten, and the nickname joins.
function rejoin(id, name) {
  var saved = localStorage.getItem(key(id));
  if (!saved) return join(id, { name: name });
  return join(id, { player_token: saved }).catch(function (err) {
    if (err.error !== "not_found") throw err;
    localStorage.removeItem(key(id));
    return join(id, { name: name });
  });
}

$("join").addEventListener("submit", function (e) {
  e.preventDefault();
  rejoin($("round-code").value.trim().toUpperCase(), $("nickname").value)
    .catch(function (err) { $("join-error").hidden = false; $("join-error").textContent = errorText(err, T.err_unavailable); });
});

var params = new URLSearchParams(location.search), preset = (params.get("round") || "").toUpperCase();
if (preset && localStorage.getItem(key(preset))) {
  join(preset, { player_token: localStorage.getItem(key(preset)) }).catch(function () {});
}
