// Live counters: snapshot first, then updates; reconnects with backoff and shows when stale.
import { $, number, socket } from "./common.js";

var status = $("status");

function show(data) {
  for (var key in data) {
    var value = typeof data[key] === "number" ? number(data[key]) : "";
    document.querySelectorAll('[data-counter="' + key + '"]').forEach(function (node) { node.textContent = value; });
  }
}

function setStale(stale) {
  status.textContent = status.getAttribute(stale ? "data-stale" : "data-live");
  status.className = "status " + (stale ? "stale" : "live");
}

setStale(true);
socket("/ws/stats", function (m) { show(m.data); }, function (online) { setStale(!online); });
