// Live counters: snapshot first, then updates; reconnects with backoff and shows when stale.
(function () {
  var status = document.getElementById("status");
  var values = {};
  var delay = 500;
  function show(data) {
    for (var key in data) {
      values[key] = data[key];
      var nodes = document.querySelectorAll('[data-counter="' + key + '"]');
      for (var i = 0; i < nodes.length; i++) {
        nodes[i].textContent = typeof data[key] === "number" ? data[key].toLocaleString(document.documentElement.lang) : "";
      }
    }
  }
  function setStale(stale) {
    status.textContent = status.getAttribute(stale ? "data-stale" : "data-live");
    status.className = "status " + (stale ? "stale" : "live");
  }
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/ws/stats");
    ws.onopen = function () { delay = 500; setStale(false); };
    ws.onmessage = function (e) { show(JSON.parse(e.data).data); };
    ws.onclose = function () {
      setStale(true);
      setTimeout(connect, delay + Math.random() * delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  setStale(true);
  connect();
})();
