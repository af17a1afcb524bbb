// The console's communes section: load the province's list (CSV), show every bad row of a refused file,
// and match each commune people typed before the list to one of it with the same picker the forms use.
import { communePicker } from "../commune_picker.js";
import { errorText, fmt } from "../common.js";

export function mount(section, ctx) {
  var T = ctx.T, part = function (name) { return section.querySelector("[data-part=" + name + "]"); };
  var file = section.querySelector("input[type=file]");

  function showBadRows(err) {
    var rows = (err && err.rows) || [];
    part("bad").hidden = false;
    part("bad-message").textContent = errorText(err, T.err_unavailable);
    var body = part("bad").querySelector("tbody");
    body.replaceChildren.apply(body, rows.map(function (r) {
      var tr = document.createElement("tr");
      [r.row, r.field, r.message].forEach(function (value) {
        var td = document.createElement("td"); td.textContent = value; tr.append(td);
      });
      return tr;
    }));
  }

  function resolver(item, n) {
    var li = document.createElement("li"), label = document.createElement("label");
    var input = document.createElement("input"), button = document.createElement("button");
    li.className = "card";
    input.id = "admin-communes-pick-" + n;
    label.htmlFor = input.id;
    label.textContent = fmt(T.admin_communes_typed, { text: item.text, count: item.count });
    button.type = "button"; button.textContent = T.admin_communes_resolve;
    li.append(label, input, button);
    var code = communePicker(input);
    button.addEventListener("click", function () {
      button.disabled = true;
      ctx.call("POST", "/api/admin/communes/resolve", { text: item.text, code: code.value }).then(function (r) {
        ctx.notify(fmt(T.admin_communes_resolved, { text: item.text, name: r.commune.name }), "ok");
        refresh();
      }, function (err) { ctx.notify(errorText(err, T.err_unavailable), "error"); })
        .finally(function () { button.disabled = false; });
    });
    return li;
  }

  function refresh() {
    return ctx.call("GET", "/api/admin/communes/unmatched").then(function (items) {
      var list = part("unmatched");
      list.replaceChildren.apply(list, items.map(resolver));
      part("all-matched").hidden = items.length > 0;
    }, function (err) { ctx.notify(errorText(err, T.err_unavailable), "error"); });
  }

  part("upload").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!file.files.length) { file.focus(); return; }
    part("bad").hidden = true; part("loaded").hidden = true;
    file.files[0].text().then(function (text) {
      return ctx.call("PUT", "/api/admin/communes", text);
    }).then(function (r) {
      part("loaded").hidden = false;
      part("loaded").textContent = fmt(T.admin_communes_loaded, { loaded: r.loaded,
        attendees: r.matched.attendees, entries: r.matched.entries });
      return refresh();
    }, showBadRows);
  });

  refresh();
}
