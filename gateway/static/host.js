// The MC's control: make a round, open each question with its countdown, close it (by hand or
// when the time runs out), reveal the answer with the histogram and the top 10, move on.
// A reload keeps the round: the MC screen is never refused, it resumes from the server state.
(function () {
  var T = JSON.parse(document.getElementById("page-texts").textContent);
  var R = window.NDLDRound, lang = document.documentElement.lang;
  var $ = function (id) { return document.getElementById(id); };
  var S = window.NDLDStaff, roundId = localStorage.getItem("ndld.host.round");
  var state = null, timer = null, acting = Promise.resolve();

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
    return R.api("POST", "/api/admin/quiz/rounds/" + roundId + "/" + action, body, S.token())
      .then(function (s) { state = s; R.syncClock(s.now); render(); })
      .catch(function (err) {
        if (S.refused(err)) return showLogin(err.message);
        $("host-error").hidden = false; $("host-error").textContent = R.errorText(err, T.err_unavailable);
      });
  }

  function onMessage(m) {
    if (m.type === "state") { state = m.state; R.syncClock(state.now); render(); }
    else if (m.type === "answers" && state && m.index === state.index) { state.answers = m.answers; renderAnswers(); }
    else { R.api("GET", "/api/rounds/" + roundId + "/state").then(function (s) { state = s; R.syncClock(s.now); render(); }); }
  }

  function renderAnswers() { $("answers").textContent = R.fmt(T.play_answers, { n: state.answers || 0 }); }

  function render() {
    var s = state;
    $("round-code").textContent = s.round_id;
    $("q-number").textContent = s.index >= 0 ? R.fmt(T.play_question, { n: s.index + 1, m: s.total_questions }) : T.play_waiting;
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
    clearInterval(timer);
    var tick = function () {
      var left = R.secondsLeft(state.closes_at);
      $("countdown").textContent = state.state === "open" ? left + "s" : "";
      if (state.state === "open" && left === 0) { clearInterval(timer); act("close"); }
    };
    if (s.state === "open") timer = setInterval(tick, 250);
    tick();
  }

  function showRound() {
    $("create").hidden = true; $("control").hidden = false;
    $("join-url").textContent = location.origin + "/play?round=" + roundId;
    R.connect(roundId, null, onMessage);
  }

  // The pass is checked by the first action that needs it; a refused one brings the prompt back.
  function showLogin(message) {
    $("login").hidden = false; $("create").hidden = true; $("control").hidden = true;
    $("login-error").hidden = !message; $("login-error").textContent = message || "";
  }
  $("login").addEventListener("submit", function (e) {
    e.preventDefault(); S.set($("token").value);
    $("login").hidden = true; roundId ? showRound() : ($("create").hidden = false);
  });
  $("create").addEventListener("submit", function (e) {
    e.preventDefault();
    R.api("POST", "/api/admin/quiz/rounds", { question_count: Number($("question-count").value),
      seconds: Number($("seconds").value) }, S.token()).then(function (s) {
      roundId = s.round_id; localStorage.setItem("ndld.host.round", roundId); state = s; showRound(); render();
    }).catch(function (err) { S.refused(err) ? showLogin(err.message) : alert(R.errorText(err, T.err_unavailable)); });
  });
  document.querySelectorAll("#control [data-action]").forEach(function (b) {
    b.addEventListener("click", function () { act(b.dataset.action); });
  });

  if (!S.token()) showLogin();
  else if (roundId) showRound();
  else $("create").hidden = false;
})();
