// Results files (CSV or Excel) as the gateway lists them; each downloads with the organiser's token
// under the server's file name. Where the gateway has no list yet (404) the section stays hidden.
import { fmt } from "../common.js";
import { el } from "../admin_kit.js";

const FILE_TYPES = ["csv", "xlsx"];

export async function mount(section, ctx) {
  const T = ctx.T;
  let exports;
  try {
    exports = await ctx.call("GET", "/api/admin/exports");
  } catch (err) {
    if (err.status !== 404) ctx.notify(err.message || T.err_unavailable, "error");
    return;
  }
  const paramName = (param) => (typeof param === "string" ? param : param.name);
  const paramLabel = (param) => (typeof param === "string" ? param
    : (param.label && (param.label[ctx.lang] || param.label.vi)) || param.name);
  section.querySelector("[data-role=exports]").replaceChildren(...exports.map((item) => {
    const inputs = (item.params || []).map((param) =>
      el("label", {}, paramLabel(param), el("input", { name: paramName(param), autocomplete: "off" })));
    const form = el("form", { class: "card", "data-export": item.name, onsubmit: (event) => event.preventDefault() },
      el("h3", { text: item.title[ctx.lang] || item.title.vi }), ...inputs,
      el("div", { class: "menu" }, FILE_TYPES.map((type) => el("button", { type: "button", text: fmt(T.admin_download, { type: type.toUpperCase() }),
        onclick: async () => {
          const query = new URLSearchParams(inputs.map((label) => label.querySelector("input"))
            .filter((input) => input.value.trim()).map((input) => [input.name, input.value.trim()]));
          try {
            await ctx.download(`/api/admin/exports/${encodeURIComponent(item.name)}.${type}${query.size ? "?" + query : ""}`);
            ctx.notify(fmt(T.admin_downloaded, { title: item.title[ctx.lang] || item.title.vi }));
          } catch (err) { ctx.notify(err.message || T.err_unavailable, "error"); }
        } }))));
    return el("li", {}, form);
  }));
  section.hidden = false;
}
