// MC screen: snapshot then updates over /ws/stats; numbers glide to their new value; when the
// socket drops the screen says it is stale, reconnects with backoff and resumes from the new
// snapshot without a jump to zero or a gap in the trend.
import { $, fmt, lang, number, pageTexts, request, socket, time } from "./common.js";
import { followRound } from "./round.js";

var T = pageTexts();
var values = {}, shown = {}, booths = {}, trend = null, trendMinute = null;
var FASTEST = "quiz_fastest_perfect_seconds";

// The quiz tiles show together once a contest is known (a contest nobody entered yet counts 0); the
// fastest time says "–" until someone is perfect: 0 s would be a record nobody set.
function glide(key, target) {
  var node = document.querySelector('[data-counter="' + key + '"]');
  var quiz = key.indexOf("quiz_") === 0;
  if (!node || (quiz ? !contest : typeof target !== "number")) return;
  document.querySelectorAll(quiz ? '[data-tile^="quiz_"]' : '[data-tile="' + key + '"]')
    .forEach(function (tile) { tile.hidden = false; });
  if (typeof target !== "number") target = 0;
  if (key === FASTEST && !(target > 0)) { shown[key] = null; node.textContent = "–"; return; }
  var show = key === FASTEST ? function (v) { return number(v, 1); } : function (v) { return number(Math.round(v)); };
  var from = shown[key] == null ? target : shown[key], start = performance.now();
  function step(now) {
    var t = Math.min(1, (now - start) / 600), eased = 1 - Math.pow(1 - t, 3);
    shown[key] = from + (target - from) * eased;
    node.textContent = show(shown[key]);
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
    glide(key, figure(key, data[key]));
  }
  if (data.checkins_by_booth) drawBooths();
  drawTrend();
}

// Quiz counters are kept per contest: the screen shows ?contest=ID, else the open one that opened last.
var contest = new URLSearchParams(location.search).get("contest");
function figure(key, value) { return key.indexOf("quiz_") === 0 && typeof value === "object" ? value[contest] : value; }
if (!contest) {
  request("GET", "/api/contests").then(function (open) {
    contest = open.length ? open[0].id : null;
    for (var key in values) if (key.indexOf("quiz_") === 0) glide(key, figure(key, values[key]));
  }).catch(function () {});
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
    var n = document.createElement("span"); n.className = "n"; n.textContent = number(counts[id] || 0);
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
  AXIS_BUCKETS.forEach(function (i) {
    var tick = document.createElementNS("http://www.w3.org/2000/svg", "line");
    tick.setAttribute("x1", i * 600 / 59); tick.setAttribute("x2", i * 600 / 59);
    tick.setAttribute("y1", 0); tick.setAttribute("y2", 160); tick.setAttribute("class", "tick");
    svg.append(tick);
  });
  [["registrations", "registrations"], ["checkins", "checkins"]].forEach(function (pair) {
    var poly = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    poly.setAttribute("points", line(trend[pair[0]]));
    poly.setAttribute("class", pair[1]);
    svg.append(poly);
  });
  drawAxis();
}

// The time axis: clock times under the chart, as HTML so the stretched SVG does not distort them.
var AXIS_BUCKETS = [0, 15, 30, 45, 59];
function drawAxis() {
  var axis = $("trend-axis");
  axis.replaceChildren.apply(axis, AXIS_BUCKETS.map(function (i) {
    var label = document.createElement("span"), share = 100 * i / 59;
    label.textContent = time((trendMinute - 59 + i) * 60000);
    label.style.left = share + "%";
    label.style.transform = "translateX(-" + share + "%)";  // the first and last stay inside the panel
    return label;
  }));
}

function loadTrend() {
  request("GET", "/api/stats/trend").then(function (t) {
    trend = t; trendMinute = Math.floor(Date.now() / 60000);
    drawTrend();
  }).catch(function () {});
}

function loadBooths() {
  request("GET", "/api/booths").then(function (list) {
    list.forEach(function (b) { booths[b.id] = b.name[lang] || b.name.vi; });
    drawBooths();
  }).catch(function () {});
}

function loadQuestions() {
  request("GET", "/api/live/feed").then(function (feed) {
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

// A discreet mark while the gateway names a service as not running (it is being restarted):
// the figures it feeds may lag until it is back.
var READY_CHECK_MS = 10000;
function checkReady() {
  var mark = function (answer) { $("degraded").hidden = !(answer && answer.missing && answer.missing.length); };
  request("GET", "/readyz").then(mark, mark);
}

function setStale(stale) {
  $("status").textContent = stale ? T.screen_stale : T.screen_live;
  $("status").className = "status " + (stale ? "stale" : "live");
  $("board").className = stale ? "stale" : "";
}

// Live again only once the snapshot is in: an open socket alone shows nothing new yet.
function onStats(m) {
  if (m.type === "snapshot") { setStale(false); loadTrend(); }
  apply(m.data, m.type === "snapshot");
}

// With ?round=CODE the screen is the round's: its lobby (code, QR code, who joined), then each
// question with its answers, histogram and top 10, then the podium. Names are text, never markup.
function showRound(code) {
  var state = null, players = { count: 0, names: [] };
  function item(className, text) {
    var node = document.createElement("span"); node.className = className; node.textContent = text; return node;
  }
  function ranked(list, rows) {
    list.replaceChildren.apply(list, rows.map(function (row) {
      var li = document.createElement("li"); li.append(item("name", row.name), item("score", number(row.score))); return li;
    }));
  }
  function showPlayers() {
    $("player-count").textContent = fmt(T.screen_players, { n: number(players.count) });
    var names = players.names.slice(-NAMES_SHOWN);
    $("player-names").replaceChildren.apply($("player-names"), names.length ? names.map(function (name) {
      var li = document.createElement("li"); li.textContent = name; return li;
    }) : [Object.assign(document.createElement("li"), { className: "waiting", textContent: T.screen_waiting_players })]);
  }
  function showPodium(top) {
    $("podium").replaceChildren.apply($("podium"), top.slice(0, 3).map(function (row, i) {
      var li = document.createElement("li"); li.dataset.place = i + 1;
      li.append(item("place", String(i + 1)), item("name", row.name), item("score", number(row.score)));
      return li;
    }));
    ranked($("podium-rest"), top.slice(3));
  }
  function show() {
    var s = state;
    players = s.players || players;
    $("lobby").hidden = s.state !== "lobby";
    $("finish").hidden = s.state !== "finished";
    $("question-view").hidden = s.state === "lobby" || s.state === "finished";
    showPlayers();
    if (s.state === "finished") showPodium(s.leaderboard || []);
    $("quiz-number").textContent = s.index >= 0 ? fmt(T.play_question, { n: s.index + 1, m: s.total_questions }) : "";
    $("quiz-answers").textContent = fmt(T.play_answers, { n: s.answers || 0 });
    $("quiz-question").textContent = s.question ? (s.question.text[lang] || s.question.text.vi) : "";
    var total = (s.histogram || []).reduce(function (a, b) { return a + b; }, 0) || 1;
    var bars = (s.question && s.histogram) ? s.question.choices.map(function (c, i) {
      var li = document.createElement("li");
      li.className = s.state === "revealed" && s.correct === i ? "right" : "";
      var bar = item("bar", ""); bar.style.width = (100 * s.histogram[i] / total) + "%";
      li.append(item("label", "ABCDEF"[i] + ". " + (c[lang] || c.vi)), bar, item("n", number(s.histogram[i])));
      return li;
    }) : [];
    $("quiz-histogram").replaceChildren.apply($("quiz-histogram"), bars);
    ranked($("quiz-top"), s.state === "revealed" ? s.leaderboard || [] : []);
  }
  function reload() {
    request("GET", "/api/rounds/" + encodeURIComponent(code) + "/state")
      .then(function (s) { state = s; show(); }).catch(function () {});
  }
  followRound(code, null, function (m) {
    if (m.type === "state") { state = m.state; show(); }
    else if (!state) reload();
    else if (m.type === "answers" && m.index === state.index) { state.answers = m.answers; show(); }
    else if (m.type === "joined") {  // several joins in one message; the highest count seen is everyone
      players = { count: Math.max(players.count, m.players), names: players.names.concat(m.names).slice(-NAMES_SHOWN) };
      showPlayers();
    } else if (m.type === "finished" && m.leaderboard) {
      state.state = "finished"; state.leaderboard = m.leaderboard; show();
    } else reload();
  });
}
var NAMES_SHOWN = 60;

function tick() { $("clock").textContent = time(Date.now()); }
tick(); setInterval(tick, 10000);
setInterval(drawTrend, 15000);
setInterval(loadQuestions, 5000);
setInterval(checkReady, READY_CHECK_MS);
loadBooths(); loadQuestions(); checkReady();
socket("/ws/stats", onStats, function (online) { if (!online) setStale(true); });
if (document.body.dataset.round) showRound(document.body.dataset.round);
