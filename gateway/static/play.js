// A player on the stage: big answer buttons, the server's countdown, one answer per question.
// The player's token stays on the phone, so a reload or a lost signal resumes with the score.
(function () {
  var T = JSON.parse(document.getElementById("page-texts").textContent);
  var R = window.NDLDRound, lang = document.documentElement.lang;
  var $ = function (id) { return document.getElementById(id); };
  var roundId = null, token = null, state = null, timer = null;

  function key(id) { return "ndld.round." + id; }

  function join(id, body) {
    return R.api("POST", "/api/rounds/" + encodeURIComponent(id) + "/join", body).then(function (joined) {
      roundId = joined.round_id; token = joined.player_token;
      localStorage.setItem(key(roundId), token);
      $("join").hidden = true; $("game").hidden = false;
      R.connect(roundId, token, onMessage);
    });
  }

  function onMessage(m) {
    if (m.type === "state") { state = m.state; R.syncClock(state.now); render(); }
    else if (m.type === "opened") {
      state = Object.assign(state || {}, { state: "open", index: m.index, question: m.question, closes_at: m.closes_at,
        opened_at: m.opened_at, total_questions: m.total_questions, answers: 0, correct: undefined, histogram: undefined,
        player: Object.assign((state && state.player) || {}, { answer: null }) });
      render();
    } else if (m.type === "closed") { state.state = "closed"; state.histogram = m.histogram; render(); }
    else if (m.type === "revealed") { refresh(); }  // the player's own points come with the state
    else if (m.type === "answers" && state && m.index === state.index) { state.answers = m.answers; }
  }

  function refresh() {
    R.api("GET", "/api/rounds/" + roundId + "/state?player=" + encodeURIComponent(token))
      .then(function (s) { state = s; R.syncClock(s.now); render(); }).catch(function () {});
  }

  function render() {
    var s = state, player = s.player || {}, answer = player.answer;
    if (player.score !== null && player.score !== undefined) $("score").textContent = player.score;
    $("q-number").textContent = s.index >= 0 ? R.fmt(T.play_question, { n: s.index + 1, m: s.total_questions }) : "";
    $("q-text").textContent = s.question ? (s.question.text[lang] || s.question.text.vi) : "";
    var open = s.state === "open" && R.secondsLeft(s.closes_at) > 0;
    $("status").textContent = s.state === "lobby" ? T.play_waiting : s.state === "finished" ? T.play_finished :
      open ? (answer ? T.play_answered : "") : s.state === "revealed" ?
        (!answer ? T.play_no_answer : answer.choice === s.correct ? R.fmt(T.play_right, { points: answer.points }) : T.play_wrong) :
        T.play_closed;
    var choices = $("choices");
    choices.replaceChildren.apply(choices, (s.question && s.state !== "finished" ? s.question.choices : []).map(function (c, i) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "answer a" + i + (answer && answer.choice === i ? " chosen" : "") +
        (s.state === "revealed" && s.correct === i ? " right" : "");
      b.textContent = "ABCDEF"[i] + ". " + (c[lang] || c.vi);
      b.disabled = !open || !!answer;
      b.addEventListener("click", function () { choose(i); });
      return b;
    }));
    var board = $("leaderboard");
    board.hidden = !s.leaderboard;
    board.replaceChildren.apply(board, (s.leaderboard || []).map(function (row) {
      var li = document.createElement("li"); li.textContent = row.name + " — " + row.score; return li;
    }));
    clearInterval(timer);
    var tick = function () {
      var left = R.secondsLeft(state.closes_at);
      $("countdown").textContent = state.state === "open" ? left + "s" : "";
      if (state.state === "open" && left === 0) { clearInterval(timer); render(); }
    };
    if (s.state === "open") { timer = setInterval(tick, 250); }
    tick();
  }

  function choose(choice) {
    state.player = Object.assign(state.player || {}, { answer: { choice: choice } });
    render();
    R.api("POST", "/api/rounds/" + roundId + "/answer", { player_token: token, index: state.index, choice: choice })
      .catch(function (err) { $("status").textContent = R.errorText(err, T.err_unavailable); refresh(); });
  }

  $("join").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = $("round-code").value.trim().toUpperCase();
    var saved = localStorage.getItem(key(id));
    join(id, saved ? { player_token: saved } : { name: $("nickname").value })
      .catch(function (err) { $("join-error").hidden = false; $("join-error").textContent = R.errorText(err, T.err_unavailable); });
  });

  var params = new URLSearchParams(location.search), preset = (params.get("round") || "").toUpperCase();
  if (preset && localStorage.getItem(key(preset))) {
    join(preset, { player_token: localStorage.getItem(key(preset)) }).catch(function () {});
  }
})();
