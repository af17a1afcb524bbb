// Livestream viewer: the stream, reactions (taps batched once a second), comments and
// questions with upvotes. Every text a viewer wrote is shown with textContent, never as HTML.
import { $, errorText, pageTexts, request, socket } from "./common.js";

var T = pageTexts();
var viewerId = localStorage.getItem("ndld.viewer");
if (!viewerId) {
  viewerId = "v" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  localStorage.setItem("ndld.viewer", viewerId);
}
var upvoted = JSON.parse(localStorage.getItem("ndld.upvoted") || "[]");
// This viewer's own questions: the server refuses an upvote on them, so they get no button.
var mine = JSON.parse(localStorage.getItem("ndld.mine") || "[]");
var nameInput = $("viewer-name");
nameInput.value = localStorage.getItem("ndld.name") || "";
nameInput.addEventListener("change", function () { localStorage.setItem("ndld.name", nameInput.value); });

var pendingTaps = {}, posts = {};

function showStream(url) {
  if (!url) return;
  var box = $("stream"), el;
  if (/\.m3u8(\?|$)/.test(url)) {
    el = document.createElement("video");
    el.controls = true; el.autoplay = true; el.muted = true; el.playsInline = true;
  } else {
    el = document.createElement("iframe");
    el.allow = "autoplay; encrypted-media; picture-in-picture";
    el.allowFullscreen = true;
  }
  el.src = url;
  box.replaceChildren(el);
}

function render(post) {
  var li = document.createElement("li");
  li.dataset.id = post.id;
  li.className = "post" + (post.pinned ? " pinned" : "") + (post.answered ? " answered" : "");
  var who = document.createElement("strong"); who.textContent = post.name;
  var what = document.createElement("span"); what.className = "text"; what.textContent = post.text;
  li.append(who, " ", what);
  if (post.pinned || post.answered) {
    var tag = document.createElement("em"); tag.className = "tag";
    tag.textContent = post.answered ? T.live_answered : T.live_pinned;
    li.append(" ", tag);
  }
  if (post.kind === "question" && mine.indexOf(post.id) >= 0) {
    var votes = document.createElement("span");
    votes.className = "upvotes"; votes.title = T.live_own_question;
    votes.textContent = "▲ " + post.upvotes;
    li.prepend(votes);
  } else if (post.kind === "question") {
    var up = document.createElement("button");
    up.type = "button"; up.className = "upvote";
    up.disabled = upvoted.indexOf(post.id) >= 0;
    up.setAttribute("aria-label", T.live_upvote);
    up.textContent = "▲ " + post.upvotes;
    up.addEventListener("click", function () { upvote(post.id, up); });
    li.prepend(up);
  }
  return li;
}

function place(post) {
  var list = post.kind === "question" ? $("questions") : $("comments");
  var old = list.querySelector('[data-id="' + post.id + '"]');
  if (post.status !== "visible") { if (old) old.remove(); delete posts[post.id]; return; }
  posts[post.id] = post;
  var li = render(post);
  if (old) old.replaceWith(li); else list.append(li);
  if (post.kind === "question" || post.pinned) sortList(list);
  if (post.kind === "comment") {
    while (list.children.length > 100) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
  }
}

function sortList(list) {
  var items = Array.prototype.slice.call(list.children);
  items.sort(function (a, b) {
    var pa = posts[a.dataset.id] || {}, pb = posts[b.dataset.id] || {};
    if (!!pb.pinned !== !!pa.pinned) return pb.pinned ? 1 : -1;
    if (pa.kind === "question") return (pb.upvotes || 0) - (pa.upvotes || 0);
    return 0;
  });
  items.forEach(function (li) { list.append(li); });
}

function showCounters(c) {
  if (c.live_viewers_now != null) $("viewers-now").textContent = c.live_viewers_now;
  var byKind = c.live_reactions_by_kind || {};
  document.querySelectorAll("[data-reaction]").forEach(function (el) {
    var kind = el.dataset.reaction;
    el.textContent = (byKind[kind] || 0) + (pendingTaps[kind] || 0);
  });
}

function onMessage(m) {
  if (m.type === "feed") {
    $("comments").replaceChildren(); $("questions").replaceChildren(); posts = {};
    showStream(m.settings && m.settings.stream_url);
    m.questions.concat(m.comments).forEach(place);
    showCounters(m.counters || {});
  } else if (m.type === "post" || m.type === "moderated") {
    place(m.post);
  } else if (m.type === "upvoted" && posts[m.id]) {
    posts[m.id].upvotes = m.upvotes; place(posts[m.id]);
  } else if (m.type === "counters") {
    showCounters(m.data);
  }
}
var live = socket("/ws/live", onMessage);

document.querySelectorAll(".react").forEach(function (button) {
  button.addEventListener("click", function () {
    var kind = button.dataset.kind;
    pendingTaps[kind] = (pendingTaps[kind] || 0) + 1;
    var count = button.querySelector(".count");
    count.textContent = Number(count.textContent) + 1;
    button.classList.remove("pop"); void button.offsetWidth; button.classList.add("pop");
  });
});
setInterval(function () {  // one message a second carries every tap since the last; kept while offline
  if (Object.keys(pendingTaps).length && live.send({ type: "react", counts: pendingTaps })) pendingTaps = {};
}, 1000);

document.querySelectorAll(".post-form").forEach(function (form) {
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var input = form.querySelector("input"), note = form.querySelector(".form-note");
    var kind = form.dataset.kind;
    request("POST", "/api/live/" + kind + "s", { body: { viewer_id: viewerId, name: nameInput.value, text: input.value } })
      .then(function (post) {
        input.value = "";
        if (kind === "question") {
          mine = mine.concat(post.id).slice(-200);
          localStorage.setItem("ndld.mine", JSON.stringify(mine));
        }
        note.textContent = post.status === "pending" ? T.live_pending : "";
        if (post.status === "visible") place(post);
      }, function (err) {
        note.textContent = errorText(err, T.err_unavailable);
        if (err.fields && Object.keys(err.fields)[0] === "name") nameInput.focus();
      });
  });
});

function upvote(id, button) {
  button.disabled = true;
  request("POST", "/api/live/questions/" + encodeURIComponent(id) + "/upvote", { body: { viewer_id: viewerId } })
    .then(function (post) {
      upvoted.push(id); localStorage.setItem("ndld.upvoted", JSON.stringify(upvoted));
      place(post);
    }, function () { button.disabled = false; });
}

