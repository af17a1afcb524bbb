// The passport rule (how many booths make a passport; empty: every open booth) and the scans the
// booths refused, newest first, at one booth or for one reason.
import { dateTime, fmt } from "../common.js";
import { clearRefusal, el, formValues, showRefusal } from "../admin_kit.js";

export function mount(section, ctx) {
  const T = ctx.T;
  const part = (role) => section.querySelector(`[data-role="${role}"]`);
  const rule = part("rule-form"), filter = part("filter");
  const failed = (err) => ctx.notify(err.message || T.err_unavailable, "error");
  let boothNames = {};

  async function loadRule() {
    const now = await ctx.call("GET", "/api/admin/passport");
    rule.elements.required.value = now.required ?? "";
    part("rule-now").textContent = fmt(now.required === null ? T.admin_passport_now_all : T.admin_passport_now,
      { n: now.booths_needed });
  }

  async function loadBooths() {
    const booths = await ctx.call("GET", "/api/admin/booths");
    boothNames = Object.fromEntries(booths.map((booth) => [booth.id, booth.name[ctx.lang] || booth.name.vi]));
    const select = filter.elements.booth_id, chosen = select.value;
    select.replaceChildren(select.options[0], ...booths.map((booth) => el("option", { value: booth.id, text: boothNames[booth.id] })));
    select.value = chosen;
  }

  async function loadRejected() {
    const query = new URLSearchParams(Object.entries(formValues(filter)).filter(([, value]) => value));
    const scans = await ctx.call("GET", "/api/admin/rejected-scans?" + query);
    part("rejected").replaceChildren(...(scans.length ? scans.map((scan) => el("tr", {},
      el("td", { text: dateTime(scan.received_at) }), el("td", { text: boothNames[scan.booth_id] || scan.booth_id }),
      el("td", { text: T["scan_reason_" + scan.reason] || scan.reason }), el("td", {}, el("code", { text: scan.payload }))))
      : [el("tr", {}, el("td", { colspan: 4, text: T.admin_rejected_none }))]));
  }

  rule.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearRefusal(rule);
    const { required } = formValues(rule);
    try {
      await ctx.call("PUT", "/api/admin/passport", { required: required === "" ? null : required });
      await loadRule();
      ctx.notify(part("rule-now").textContent);
    } catch (err) { showRefusal(rule, err, ctx); }
  });

  // Refresh also brings the booths added since in the console.
  filter.addEventListener("submit", (event) => { event.preventDefault(); loadBooths().then(loadRejected).catch(failed); });
  filter.addEventListener("change", () => loadRejected().catch(failed));

  Promise.all([loadRule(), loadBooths()]).then(loadRejected).catch(failed);
}
