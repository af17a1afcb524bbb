// MC screen: snapshot then updates over /ws/stats; numbers glide to their new value; when the
// socket drops the screen says it is stale, reconnects with backoff and resumes from the new
// snapshot without a jump to zero or a gap in the trend.
(function () {
  var T = JSON.parse(document.getElementById("page-texts").textContent);
  var lang = document.documentElement.lang;
  var $ = function (id) { return document.getElementById(id); };
  var values = {}, shown = {}, booths = {}, trend = null, trendMinute = null, delay = 500;
  var fmt = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB");

  function glide(key, target) {
    var node = document.querySelector('[data-counter="' + key + '"]');
    if (!node || typeof target !== "number") return;
    var tile = node.closest("[data-tile]");
    if (tile) tile.hidden = false;
    var from = shown[key] == null ? target : shown[key], start = performance.now();
    function step(now) {
      var t = Math.min(1, (now - start) / 600), eased = 1 - Math.pow(1 - t, 3);
      shown[key] = from + (target - from) * eased;
      node.textContent = fmt.format(Math.round(shown[key]));
      if (t < 1) requestAnimationFrame(step);
    }
    requestAnimationFrame(step);
  }

  function apply(data, isSnapshot) {
    ["registrations_total", "checkins_total"].forEach(function (key) {
      if (!isSnapshot && trend && typeof data[key] === "number" && typeof values[key] === "number") {
        rollTrend();
        trend[key === "registrations_total" ? "registrations" : "checkins"][59] += data[key] - values[key];
      }
    });
    for (var key in data) {
      if (data[key] === null || data[key] === undefined) continue;
      values[key] = data[key];
      glide(key, data[key]);
    }
    if (data.checkins_by_booth) drawBooths();
    drawTrend();
  }

  function drawBooths() {
    var counts = values.checkins_by_booth || {}, list = $("booth-bars");
    var ids = Object.keys(booths).length ? Object.keys(booths) : Object.keys(counts);
    var max = Math.max.apply(null, ids.map(function (id) { return counts[id] || 0; }).concat([1]));
    list.replaceChildren.apply(list, ids.map(function (id) {
      var li = document.createElement("li");
      var name = document.createElement("span"); name.className = "name"; name.textContent = booths[id] || id;
      var bar = document.createElement("span"); bar.className = "bar";
      bar.style.width = (100 * (counts[id] || 0) / max) + "%";
      var n = document.createElement("span"); n.className = "n"; n.textContent = fmt.format(counts[id] || 0);
      li.append(name, bar, n);
      return li;
    }));
  }

  function rollTrend() {  // keep the last bucket on the current minute
    var minute = Math.floor(Date.now() / 60000);
    while (trendMinute !== null && trendMinute < minute) {
      trend.registrations.shift(); trend.registrations.push(0);
      trend.checkins.shift(); trend.checkins.push(0);
      trendMinute += 1;
    }
  }

  function drawTrend() {
    if (!trend) return;
    rollTrend();
    var svg = $("trend"), max = Math.max.apply(null, trend.registrations.concat(trend.checkins, [1]));
    var line = function (series) {
      return series.map(function (v, i) { return (i * 600 / 59).toFixed(1) + "," + (155 - 150 * v / max).toFixed(1); }).join(" ");
    };
    svg.innerHTML = "";
    [["registrations", "registrations"], ["checkins", "checkins"]].forEach(function (pair) {
      var poly = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
      poly.setAttribute("points", line(trend[pair[0]]));
      poly.setAttribute("class", pair[1]);
      svg.append(poly);
    });
  }

  function loadTrend() {
    fetch("/api/stats/trend").then(function (r) { return r.ok ? r.json() : null; }).then(function (t) {
      if (!t) return;
      trend = t; trendMinute = Math.floor(Date.now() / 60000);
      drawTrend();
    }).catch(function () {});
  }

  function loadBooths() {
    fetch("/api/booths").then(function (r) { return r.ok ? r.json() : []; }).then(function (list) {
      list.forEach(function (b) { booths[b.id] = b.name[lang] || b.name.vi; });
      drawBooths();
    }).catch(function () {});
  }

  function loadQuestions() {
    fetch("/api/live/feed").then(function (r) { return r.ok ? r.json() : null; }).then(function (feed) {
      if (!feed) return;
      var top = feed.questions.filter(function (q) { return !q.answered; }).slice(0, 5);
      var list = $("questions");
      list.replaceChildren.apply(list, top.map(function (q) {
        var li = document.createElement("li");
        var votes = document.createElement("span"); votes.className = "votes"; votes.textContent = "▲ " + q.upvotes;
        var text = document.createElement("span"); text.textContent = q.text;
        var who = document.createElement("em"); who.textContent = " — " + q.name;
        li.append(votes, text, who);
        return li;
      }));
    }).catch(function () {});
  }

  function setStale(stale) {
    $("status").textContent = stale ? T.screen_stale : T.screen_live;
    $("status").className = "status " + (stale ? "stale" : "live");
    $("board").className = stale ? "stale" : "";
  }

  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/stats");
    ws.onopen = function () { delay = 500; };
    ws.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.type === "snapshot") { setStale(false); loadTrend(); }
      apply(m.data, m.type === "snapshot");
    };
    ws.onclose = function () {
      setStale(true);
      setTimeout(connect, delay + Math.random() * delay);
      delay = Math.min(delay * 2, 15000);
    };
  }

  // With ?round=CODE, a live quiz round takes the trend's place: question, answers, histogram, top 10.
  function followRound(code) {
    var R = window.NDLDRound, state = null;
    $("quiz-panel").hidden = false;
    document.querySelector(".panel.trend").hidden = true;
    function show() {
      var s = state;
      $("quiz-number").textContent = s.index >= 0 ? R.fmt(T.play_question, { n: s.index + 1, m: s.total_questions }) : "";
      $("quiz-answers").textContent = R.fmt(T.play_answers, { n: s.answers || 0 });
      $("quiz-question").textContent = s.question ? (s.question.text[lang] || s.question.text.vi) : "";
      var total = (s.histogram || []).reduce(function (a, b) { return a + b; }, 0) || 1;
      var bars = (s.question && s.histogram) ? s.question.choices.map(function (c, i) {
        var li = document.createElement("li");
        li.className = s.state === "revealed" && s.correct === i ? "right" : "";
        var label = document.createElement("span"); label.textContent = "ABCDEF"[i] + ". " + (c[lang] || c.vi);
        var bar = document.createElement("span"); bar.className = "bar"; bar.style.width = (100 * s.histogram[i] / total) + "%";
        var n = document.createElement("span"); n.className = "n"; n.textContent = fmt.format(s.histogram[i]);
        li.append(label, bar, n);
        return li;
      }) : [];
      $("quiz-histogram").replaceChildren.apply($("quiz-histogram"), bars);
      $("quiz-top").replaceChildren.apply($("quiz-top"), (s.leaderboard || []).map(function (row) {
        var li = document.createElement("li"); li.textContent = row.name + " — " + fmt.format(row.score); return li;
      }));
    }
    function reload() {
      fetch("/api/rounds/" + encodeURIComponent(code) + "/state").then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) { if (s) { state = s; show(); } });
    }
    R.connect(code, null, function (m) {
      if (m.type === "state") { state = m.state; show(); }
      else if (m.type === "answers" && state && m.index === state.index) { state.answers = m.answers; show(); }
      else reload();
    });
  }

  function tick() { $("clock").textContent = new Date().toLocaleTimeString(lang === "vi" ? "vi-VN" : "en-GB", { hour: "2-digit", minute: "2-digit" }); }
  tick(); setInterval(tick, 10000);
  setInterval(drawTrend, 15000);
  setInterval(loadQuestions, 5000);
  loadBooths(); loadQuestions(); connect();
  var round = new URLSearchParams(location.search).get("round");
  if (round) followRound(round.toUpperCase());
})();
