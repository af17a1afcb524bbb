// Shared by the player and MC pages: the round's socket (reconnects with backoff and starts
// again from the server's state) and a countdown on the server's clock.
window.NDLDRound = (function () {
  // Returns a function that leaves the round for good (the MC moving on to a new one).
  function connect(roundId, playerToken, onMessage) {
    var delay = 500, ws = null, left = false;
    function open() {
      var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/quiz/" +
        encodeURIComponent(roundId) + (playerToken ? "?player=" + encodeURIComponent(playerToken) : "");
      ws = new WebSocket(url);
      ws.onopen = function () { delay = 500; };
      ws.onmessage = function (e) { if (!left) onMessage(JSON.parse(e.data)); };
      ws.onclose = function () {
        if (left) return;
        setTimeout(open, delay + Math.random() * delay); delay = Math.min(delay * 2, 10000);
      };
    }
    open();
    return function leave() { left = true; ws.close(); };
  }

  var offset = 0;  // server clock minus ours
  function syncClock(serverNow) { if (serverNow) offset = Date.parse(serverNow) - Date.now(); }
  function secondsLeft(closesAt) {
    return closesAt ? Math.max(0, Math.ceil((Date.parse(closesAt) - Date.now() - offset) / 1000)) : 0;
  }
  function fmt(text, vars) { return text.replace(/\{(\w+)\}/g, function (_, k) { return vars[k]; }); }
  // A request gives up after 15 s (the gateway answers within 10 s), so a stalled network never
  // leaves a tap waiting for ever; a lost or unreadable answer reads as "unavailable".
  function api(method, path, body, token) {
    var headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    var unavailable = function () { throw { error: "unavailable" }; };
    var signal = window.AbortSignal && AbortSignal.timeout ? AbortSignal.timeout(15000) : undefined;
    return fetch(path + (path.indexOf("?") >= 0 ? "&" : "?") + "lang=" + document.documentElement.lang, { method: method, headers: headers,
      body: body ? JSON.stringify(body) : undefined, signal: signal })
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw b; return b; }, unavailable); }, unavailable);
  }
  function errorText(err, fallback) {
    var fields = (err && err.fields) || {}, first = Object.keys(fields)[0];
    return first ? fields[first].message : (err && err.message) || fallback;
  }
  return { connect: connect, syncClock: syncClock, secondsLeft: secondsLeft, fmt: fmt, api: api, errorText: errorText };
})();
