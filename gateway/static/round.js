// Shared by the player and MC pages: the round's socket (reconnects with backoff and starts
// again from the server's state) and a countdown on the server's clock.
window.NDLDRound = (function () {
  function connect(roundId, playerToken, onMessage) {
    var delay = 500;
    function open() {
      var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/quiz/" +
        encodeURIComponent(roundId) + (playerToken ? "?player=" + encodeURIComponent(playerToken) : "");
      var ws = new WebSocket(url);
      ws.onopen = function () { delay = 500; };
      ws.onmessage = function (e) { onMessage(JSON.parse(e.data)); };
      ws.onclose = function () { setTimeout(open, delay + Math.random() * delay); delay = Math.min(delay * 2, 10000); };
    }
    open();
  }

  var offset = 0;  // server clock minus ours
  function syncClock(serverNow) { if (serverNow) offset = Date.parse(serverNow) - Date.now(); }
  function secondsLeft(closesAt) {
    return closesAt ? Math.max(0, Math.ceil((Date.parse(closesAt) - Date.now() - offset) / 1000)) : 0;
  }
  function fmt(text, vars) { return text.replace(/\{(\w+)\}/g, function (_, k) { return vars[k]; }); }
  function api(method, path, body, token) {
    var headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(path + (path.indexOf("?") >= 0 ? "&" : "?") + "lang=" + document.documentElement.lang, { method: method, headers: headers,
      body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw b; return b; }); });
  }
  function errorText(err, fallback) {
    var fields = (err && err.fields) || {}, first = Object.keys(fields)[0];
    return first ? fields[first].message : (err && err.message) || fallback;
  }
  return { connect: connect, syncClock: syncClock, secondsLeft: secondsLeft, fmt: fmt, api: api, errorText: errorText };
})();
