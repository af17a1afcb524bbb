// Moderation desk: incoming comments and questions, refreshed every few seconds, with
// approve / hide / pin / answered; and the livestream's settings. Texts via textContent only.
(function () {
  var T = JSON.parse(document.getElementById("page-texts").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var status = "pending";

  function call(method, path, body) {
    return fetch(path + (path.indexOf("?") >= 0 ? "&" : "?") + "lang=" + document.documentElement.lang, {
      method: method, body: body ? JSON.stringify(body) : undefined,
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + window.NDLDStaff.token() }
    }).then(function (r) {
      return r.json().then(function (b) {
        if (window.NDLDStaff.refused(b)) { showLogin(b.message); throw new Error("auth"); }
        if (!r.ok) throw b;
        return b;
      });
    });
  }

  function showLogin(message) {
    $("desk").hidden = true; $("login").hidden = false;
    $("login-error").hidden = !message; $("login-error").textContent = message || "";
  }

  function row(post) {
    var li = document.createElement("li");
    li.className = "post " + post.status + (post.flagged ? " flagged" : "");
    li.dataset.id = post.id;
    var head = document.createElement("div");
    var kind = document.createElement("em"); kind.textContent = post.kind === "question" ? T.mod_question : T.mod_comment;
    var who = document.createElement("strong"); who.textContent = post.name;
    head.append(kind, " · ", who, " · " + (T["mod_" + post.status] || post.status));
    if (post.flagged) { var f = document.createElement("span"); f.className = "tag"; f.textContent = T.mod_flagged; head.append(" ", f); }
    var text = document.createElement("p"); text.textContent = post.text;
    var actions = document.createElement("div"); actions.className = "row";
    ["approve", "hide", post.pinned ? "unpin" : "pin", "answered"].forEach(function (action) {
      if (action === "answered" && (post.kind !== "question" || post.answered)) return;
      var b = document.createElement("button");
      b.type = "button"; b.className = action === "hide" ? "secondary" : ""; b.dataset.action = action;
      b.textContent = T["mod_" + action];
      b.addEventListener("click", function () {
        call("POST", "/api/admin/live/posts/" + encodeURIComponent(post.id) + "/" + action).then(refresh);
      });
      actions.append(b);
    });
    li.append(head, text, actions);
    return li;
  }

  function refresh() {
    return call("GET", "/api/admin/live/posts" + (status ? "?status=" + status : "")).then(function (posts) {
      $("posts").replaceChildren.apply($("posts"), posts.map(row));
    }).catch(function () {});
  }

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
      .catch(function (err) {
        var fields = (err && err.fields) || {}, first = Object.keys(fields)[0];
        $("settings-note").textContent = first ? fields[first].message : (err && err.message) || "";
      });
  });

  document.querySelectorAll("#filters button").forEach(function (b) {
    b.addEventListener("click", function () {
      status = b.dataset.status;
      document.querySelectorAll("#filters button").forEach(function (o) { o.className = o === b ? "" : "secondary"; });
      refresh();
    });
  });

  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    window.NDLDStaff.set($("token").value);
    open();
  });

  function open() {
    if (!window.NDLDStaff.token()) return showLogin();
    $("login").hidden = true; $("desk").hidden = false;
    refresh().then(loadSettings);
  }

  setInterval(function () { if (!$("desk").hidden) refresh(); }, 3000);
  open();
})();
