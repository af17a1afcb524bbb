// What every section of the organisers' console builds with: elements, a form's values, and a
// refusal shown where it belongs (each field the API named, marked with its reason).
import { errorText } from "./common.js";

/** An element with its properties (`class`, `text`, `data-*`, on* handlers, others as attributes) and children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "html") node.innerHTML = value;  // only for the server's own QR code SVG
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** A form's named fields: checkboxes as booleans, number fields as numbers ("" stays "", for the API to refuse). */
export function formValues(form) {
  const values = {};
  for (const input of form.querySelectorAll("[name]")) {
    if (input.type === "checkbox") values[input.name] = input.checked;
    else if (input.type === "number" && input.value.trim() !== "") values[input.name] = Number(input.value);
    else values[input.name] = input.value.trim();
  }
  return values;
}

/** Takes the marks of an earlier refusal off a form. */
export function clearRefusal(form) {
  form.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
  form.querySelectorAll("[data-error]").forEach((node) => node.remove());
}

/**
 * Shows a refused request: each field the API named gets its reason under it (`data-field` holds the
 * API's field name), and the status line names the first field's label and reason.
 */
export function showRefusal(form, err, ctx) {
  clearRefusal(form);
  const fields = (err && err.fields) || {};
  let first = null;
  for (const [field, problem] of Object.entries(fields)) {
    const place = form.querySelector(`[data-field="${CSS.escape(field)}"]`);
    if (!place) continue;
    place.classList.add("invalid");
    place.append(el("p", { class: "error", "data-error": true, text: problem.message }));
    first = first || `${(place.querySelector("label") || place).textContent.trim()}: ${problem.message}`;
  }
  ctx.notify(first || errorText(err, ctx.T.err_unavailable), "error");
}
