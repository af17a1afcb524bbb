// Staff passes for MCs, moderators and other organisers: make one (its QR link is shown once, to print
// or hand over), see every pass with its expiry, revoke one (it stops working within seconds).
import { dateTime, fmt } from "../common.js";
import { clearRefusal, el, formValues, showRefusal } from "../admin_kit.js";

const ROLE_TEXT = { mc: "admin_role_mc", moderator: "admin_role_moderator", organiser: "admin_role_organiser" };

export function mount(section, ctx) {
  const T = ctx.T;
  const part = (role) => section.querySelector(`[data-role="${role}"]`);
  const form = part("pass-form");
  const failed = (err) => ctx.notify(err.message || T.err_unavailable, "error");
  const roleName = (role) => T[ROLE_TEXT[role]] || role;

  function state(pass) {
    if (pass.revoked) return T.admin_pass_revoked;
    return new Date(pass.expires_at) <= new Date() ? T.admin_pass_expired : fmt(T.admin_pass_until, { at: dateTime(pass.expires_at) });
  }

  async function load() {
    const passes = await ctx.call("GET", "/api/admin/staff");
    part("passes").replaceChildren(...(passes.length ? passes.map((pass) => el("li", { class: "admin-row", "data-pass": pass.pass_id },
      el("div", {}, el("strong", { text: pass.label || pass.pass_id }), " · ", roleName(pass.role),
        el("span", { class: "muted-line", text: state(pass) })),
      pass.revoked ? null : el("button", { type: "button", class: "secondary", text: T.admin_revoke,
        onclick: () => revoke(pass) }))) : [el("li", { class: "muted", text: T.admin_passes_none })]));
  }

  async function revoke(pass) {
    if (!confirm(fmt(T.admin_pass_revoke_confirm, { label: pass.label || pass.pass_id }))) return;
    try {
      await ctx.call("DELETE", "/api/admin/staff/" + encodeURIComponent(pass.pass_id));
      ctx.notify(fmt(T.admin_pass_revoked_done, { label: pass.label || pass.pass_id }));
      await load();
    } catch (err) { failed(err); }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearRefusal(form);
    try {
      const issued = await ctx.call("POST", "/api/admin/staff", formValues(form));
      const card = part("issued");
      card.replaceChildren(
        el("h3", { text: `${issued.label || roleName(issued.role)} · ${roleName(issued.role)}` }),
        el("div", { class: "qr", html: issued.link_qr_svg }),
        el("p", { class: "sheet-link", text: issued.link }),
        el("p", { text: fmt(T.admin_pass_until, { at: dateTime(issued.expires_at) }) }),
        el("p", { class: "muted no-print", text: T.admin_pass_once }),
        el("div", { class: "menu no-print" },
          el("button", { type: "button", text: T.admin_print, onclick: () => ctx.print(card) }),
          el("button", { type: "button", class: "secondary", text: T.admin_close, onclick: () => { card.hidden = true; } })));
      card.hidden = false;
      ctx.notify(fmt(T.admin_pass_created, { label: issued.label || roleName(issued.role) }));
      await load();
    } catch (err) { showRefusal(form, err, ctx); }
  });

  load().catch(failed);
}
