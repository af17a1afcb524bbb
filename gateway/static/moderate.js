// Moderation desk: what waits for a moderator first, then what was handled; and the livestream's
// settings. Rows are kept by post id and patched in place, so a button never moves under the
// moderator's finger: a change that would shift the row under the pointer or focus waits until
// it leaves. Texts via textContent only.
import { $, errorText, pageTexts, request, time } from "./common.js";
import { staff } from "./staff.js";

var T = pageTexts();
var board = $("board");
var known = {}, rows = {}, pointerRow = null;

// A refused pass brings the prompt back, whichever request found out.
function call(method, path, body) {
  return request(method, path, { body: body, token: staff.token() }).catch(function (err) {
    if (staff.refused(err)) showLogin(err.message);
    throw err;
  });
}

function showLogin(message) {
  $("desk").hidden = true; $("login").hidden = false;
  $("login-error").hidden = !message; $("login-error").textContent = message || "";
}

// What a moderator may do next: only the actions that change something in this state.
function actionsFor(post) {
  if (post.status === "pending") return ["approve", "hide"];
  if (post.status === "hidden") return ["approve"];
  var actions = [post.pinned ? "unpin" : "pin", "hide"];
  if (post.kind === "question" && !post.answered) actions.push("answered");
  return actions;
}

var LABELS = { pending: T.mod_pending, visible: T.mod_visible, hidden: T.mod_hidden,
  pinned: T.mod_state_pinned, answered: T.mod_state_answered, flagged: T.mod_flagged };

function statesOf(post) {
  var states = [post.status];
  if (post.pinned) states.push("pinned");
  if (post.answered) states.push("answered");
  if (post.flagged) states.push("flagged");
  return states;
}

function fill(parent, children) { parent.replaceChildren.apply(parent, children); }

function build(post) {
  var li = document.createElement("li");
  li.dataset.id = post.id;
  var head = document.createElement("div"); head.className = "meta";
  var kind = document.createElement("em"); kind.textContent = post.kind === "question" ? T.mod_question : T.mod_comment;
  var who = document.createElement("strong"); who.textContent = post.name;
  var at = document.createElement("time"); at.dateTime = post.created_at;
  at.textContent = time(post.created_at, true);
  var states = document.createElement("span"); states.className = "states";
  head.append(at, " · ", kind, " · ", who, " ", states);
  if (post.kind === "question") { var votes = document.createElement("span"); votes.className = "votes"; head.append(" ", votes); }
  var text = document.createElement("p"); text.textContent = post.text;
  var actions = document.createElement("div"); actions.className = "row actions";
  li.append(head, text, actions);
  return li;
}

function patch(li, post) {
  li.className = "post " + statesOf(post).join(" ");
  fill(li.querySelector(".states"), statesOf(post).map(function (state) {
    var span = document.createElement("span");
    span.className = "state state-" + state; span.textContent = LABELS[state];
    return span;
  }));
  if (post.kind === "question") li.querySelector(".votes").textContent = "▲ " + post.upvotes;
  var wanted = actionsFor(post).join(" ");
  if (li.dataset.actions === wanted) return;  // same buttons stay the same elements
  li.dataset.actions = wanted;
  fill(li.querySelector(".actions"), actionsFor(post).map(function (action) {
    var b = document.createElement("button");
    b.type = "button"; b.className = action === "hide" ? "secondary" : ""; b.dataset.action = action;
    b.textContent = T["mod_" + action];
    b.addEventListener("click", function () {
      call("POST", "/api/admin/live/posts/" + encodeURIComponent(post.id) + "/" + action)
        .then(function (moderated) { learn([moderated]); reconcile(); }).catch(function () {});
    });
    return b;
  }));
}

// The rows the moderator is on: under the pointer, or holding the keyboard focus.
function heldRows() {
  var focused = document.activeElement && board.contains(document.activeElement)
    ? document.activeElement.closest(".post") : null;
  return [pointerRow, focused].filter(function (li) { return li && li.isConnected; });
}

function after(held, node) {
  return held !== node && (held.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
}

// Appending to `list` moves no held row: the row is in that list (the new one goes below it) or above it.
function canAppend(list, held) {
  return held.every(function (h) { return list.contains(h) || after(h, list); });
}

function canRemove(li, held) {
  return held.every(function (h) { return after(h, li); });
}

function learn(posts) {
  posts.forEach(function (post) { known[post.id] = Object.assign({}, known[post.id], post); });
}

// Every post in its section, oldest first; new and moved rows go to the end of their section.
function reconcile() {
  var held = heldRows();
  Object.keys(known).map(function (id) { return known[id]; })
    .sort(function (a, b) { return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0; })
    .forEach(function (post) {
      var target = post.status === "pending" ? $("pending") : $("handled"), li = rows[post.id];
      if (li) patch(li, post);
      if (li && li.parentNode === target) return;
      if (!canAppend(target, held) || (li && !canRemove(li, held))) return;
      if (!li) { li = rows[post.id] = build(post); patch(li, post); }
      target.append(li);
    });
  $("pending-count").textContent = Object.keys(known).filter(function (id) {
    return known[id].status === "pending";
  }).length;
}

function refresh() {
  return Promise.all([call("GET", "/api/admin/live/posts?status=pending"), call("GET", "/api/admin/live/posts")])
    .then(function (lists) { learn(lists[0].concat(lists[1])); reconcile(); })
    .catch(function () {});
}

board.addEventListener("pointerover", function (e) { pointerRow = e.target.closest(".post"); });
board.addEventListener("pointerleave", function () { pointerRow = null; reconcile(); });
board.addEventListener("focusout", function () { setTimeout(reconcile, 0); });  // once focus has landed

function loadSettings() {
  call("GET", "/api/admin/live/settings").then(function (s) {
    $("stream-url").value = s.stream_url;
    $("require-approval").checked = s.comments_require_approval;
    $("blocked-words").value = s.blocked_words.join("\n");
  }).catch(function () {});
}

$("settings").addEventListener("submit", function (e) {
  e.preventDefault();
  call("PUT", "/api/admin/live/settings", {
    stream_url: $("stream-url").value.trim(),
    comments_require_approval: $("require-approval").checked,
    blocked_words: $("blocked-words").value.split("\n").map(function (w) { return w.trim(); }).filter(Boolean)
  }).then(function () { $("settings-note").textContent = T.mod_saved; })
    .catch(function (err) { $("settings-note").textContent = errorText(err, T.err_unavailable); });
});

$("login").addEventListener("submit", function (e) {
  e.preventDefault();
  staff.set($("token").value);
  open();
});

function open() {
  if (!staff.token()) return showLogin();
  $("login").hidden = true; $("desk").hidden = false;
  refresh().then(loadSettings);
}

setInterval(function () { if (!$("desk").hidden) refresh(); }, 3000);
open();
