// The commune picked from the province's list as the person types (an ARIA 1.2 combobox): arrows and
// Enter pick from the keyboard, a tap picks on a phone. What the form sends is the picked commune's
// code; while no list is loaded the search finds nothing and the text goes as typed, as before.
import { request } from "./common.js";

var WAIT_MS = 150;  // typing pauses this long before a search: one request per word, not per letter

/**
 * Turns `input` into a combobox over /api/communes. Its name moves to a hidden input it returns,
 * which holds the picked code, or the text as typed until something is picked.
 */
export function communePicker(input) {
  var hidden = document.createElement("input"), list = document.createElement("ul");
  hidden.type = "hidden"; hidden.name = input.name || input.id; hidden.value = input.value;
  input.removeAttribute("name");
  list.id = input.id + "-options"; list.className = "combo-options"; list.hidden = true;
  list.setAttribute("role", "listbox");
  [["role", "combobox"], ["aria-autocomplete", "list"], ["aria-expanded", "false"], ["aria-controls", list.id],
    ["autocomplete", "off"]].forEach(function (a) { input.setAttribute(a[0], a[1]); });
  input.after(hidden, list);
  var options = [], active = -1, timer = 0, asked = 0;

  function find(q) { return request("GET", "/api/communes?q=" + encodeURIComponent(q)); }
  function close() {
    list.hidden = true; active = -1;
    input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
  }
  function pick(i) { input.value = options[i].name; hidden.value = options[i].code; close(); }
  function highlight(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, j) { li.setAttribute("aria-selected", String(j === i)); });
    input.setAttribute("aria-activedescendant", list.children[i].id);
    list.children[i].scrollIntoView({ block: "nearest" });
  }
  function show(found) {
    options = found; active = -1;
    list.replaceChildren.apply(list, found.map(function (c, i) {
      var li = document.createElement("li"), district = document.createElement("span");
      li.id = list.id + "-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
      district.className = "muted"; district.textContent = c.district;
      li.append(c.name, " ", district);
      li.addEventListener("pointerdown", function (e) { e.preventDefault(); });  // keep the focus in the input
      li.addEventListener("click", function () { pick(i); });
      return li;
    }));
    list.hidden = !found.length;
    input.setAttribute("aria-expanded", String(!list.hidden));
  }
  function search() {
    var q = input.value.trim(), mine = ++asked;
    if (!q) { close(); return; }
    find(q).then(function (found) { if (mine === asked && document.activeElement === input) show(found); },
      function () {});  // no answer: the text goes as typed and the server judges it
  }

  input.addEventListener("input", function () {
    hidden.value = input.value;
    clearTimeout(timer); timer = setTimeout(search, WAIT_MS);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) { if (e.key === "ArrowDown") search(); return; }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      var step = e.key === "ArrowDown" ? 1 : -1;
      highlight(active < 0 ? (step > 0 ? 0 : options.length - 1) : (active + step + options.length) % options.length);
    } else if (e.key === "Enter" && active >= 0) { e.preventDefault(); pick(active); }
    else if (e.key === "Escape") close();
  });
  input.addEventListener("blur", close);
  // A form shown again after a refusal holds the code it sent: show that commune's name.
  if (hidden.value) find(hidden.value).then(function (found) {
    if (found[0] && found[0].code === hidden.value) input.value = found[0].name;
  }, function () {});
  return hidden;
}
