// Booths and their volunteers' devices: add and edit a booth (Vietnamese and English), move it up or
// down, open or close it; add a device, revoke one, see its scans today. A device's link and pairing
// code are shown once, when it is added, so the booth's A4 sheet for the volunteers' briefing lists the
// devices added since this page opened.
import { dateTime, fmt, number } from "../common.js";
import { clearRefusal, el, formValues, showRefusal } from "../admin_kit.js";

export function mount(section, ctx) {
  const T = ctx.T;
  const part = (role) => section.querySelector(`[data-role="${role}"]`);
  const form = part("booth-form");
  const issued = new Map();  // booth id -> the devices added since the page opened, with link and code
  let booths = [], devices = [];

  const name = (texts) => texts[ctx.lang] || texts.vi;
  const failed = (err) => ctx.notify(err.message || T.err_unavailable, "error");

  async function load() {
    [booths, devices] = await Promise.all([ctx.call("GET", "/api/admin/booths"), ctx.call("GET", "/api/admin/devices")]);
    render();
  }

  const saveBooth = (booth, changes) => ctx.call("PUT", "/api/admin/booths/" + encodeURIComponent(booth.id), {
    name: booth.name, description: booth.description, order: booth.order, active: booth.active, ...changes });

  function deviceState(device) {
    if (device.revoked) return T.admin_device_revoked;
    return new Date(device.expires_at) <= new Date() ? T.admin_device_expired : T.admin_device_active;
  }

  function deviceRow(device) {
    return el("li", { class: "admin-row", "data-device": device.device_id },
      el("div", {},
        el("strong", { text: device.label || device.device_id }), " · ", el("span", { text: deviceState(device) }),
        el("span", { class: "muted-line", text: fmt(T.admin_device_figures, { scans: number(device.scans_today),
          last: dateTime(device.last_scan_at), expires: dateTime(device.expires_at) }) })),
      device.revoked ? null : el("button", { type: "button", class: "secondary", text: T.admin_revoke,
        onclick: () => revokeDevice(device) }));
  }

  function boothCard(booth, index) {
    const own = devices.filter((device) => device.booth_id === booth.id);
    const label = el("input", { name: "label", autocomplete: "off", "aria-label": T.admin_device_label,
      placeholder: T.admin_device_label });
    const addForm = el("form", { class: "row", "data-field": "label", onsubmit: (event) => {
      event.preventDefault(); addDevice(booth, label.value.trim(), addForm);
    } }, label, el("button", { type: "submit", text: T.admin_device_add }));
    return el("li", { class: "card", "data-booth": booth.id },
      el("h3", {}, `${booth.order}. ${name(booth.name)} `,
        el("span", { class: "tag", text: booth.active ? T.admin_booth_is_open : T.admin_booth_is_closed })),
      el("p", { class: "muted", text: `${booth.id} · ${booth.name.en}` }),
      name(booth.description) ? el("p", { text: name(booth.description) }) : null,
      el("div", { class: "menu" },
        el("button", { type: "button", class: "secondary", text: T.admin_edit, onclick: () => edit(booth) }),
        el("button", { type: "button", class: "secondary", text: T.admin_up, "aria-label": T.admin_up + " " + name(booth.name),
          disabled: index === 0, onclick: () => move(index, -1) }),
        el("button", { type: "button", class: "secondary", text: T.admin_down, "aria-label": T.admin_down + " " + name(booth.name),
          disabled: index === booths.length - 1, onclick: () => move(index, 1) }),
        el("button", { type: "button", class: "secondary", text: booth.active ? T.admin_booth_close : T.admin_booth_reopen,
          onclick: () => toggle(booth) }),
        el("button", { type: "button", text: T.admin_sheet, onclick: () => showSheet(booth) })),
      el("h4", { text: T.admin_devices }),
      own.length ? el("ul", { class: "admin-list" }, own.map(deviceRow)) : el("p", { class: "muted", text: T.admin_devices_none }),
      addForm);
  }

  function render() {
    part("booths").replaceChildren(...booths.map(boothCard));
  }

  function edit(booth) {
    clearRefusal(form);
    part("booth-form-title").textContent = fmt(T.admin_booth_editing, { name: name(booth.name) });
    form.elements.id.value = booth.id;
    form.elements.id.readOnly = true;
    for (const field of ["name", "description"]) {
      for (const lang of ["vi", "en"]) form.elements[`${field}.${lang}`].value = booth[field][lang] || "";
    }
    form.elements.order.value = booth.order;
    form.elements.active.checked = booth.active;
    form.scrollIntoView();
    form.elements["name.vi"].focus();
  }

  form.addEventListener("reset", () => {
    clearRefusal(form);
    form.elements.id.readOnly = false;
    part("booth-form-title").textContent = T.admin_booth_new;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const v = formValues(form);
    if (!v.id) return showRefusal(form, { fields: { id: { message: T.err_required } } }, ctx);
    try {
      const saved = await ctx.call("PUT", "/api/admin/booths/" + encodeURIComponent(v.id), {
        name: { vi: v["name.vi"], en: v["name.en"] }, description: { vi: v["description.vi"], en: v["description.en"] },
        order: v.order === "" ? 0 : v.order, active: v.active });
      form.reset();
      await load();  // before saying so: a button pressed after the message acts on the saved booth
      ctx.notify(fmt(T.admin_booth_saved, { name: name(saved.name) }));
    } catch (err) { showRefusal(form, err, ctx); }
  });

  // Moving a booth numbers the list 10, 20, 30… and saves each booth whose number changed.
  async function move(index, step) {
    const order = booths.slice();
    [order[index], order[index + step]] = [order[index + step], order[index]];
    try {
      for (const [i, booth] of order.entries()) {
        if (booth.order !== (i + 1) * 10) await saveBooth(booth, { order: (i + 1) * 10 });
      }
      await load();
      ctx.notify(fmt(T.admin_booth_moved, { name: name(order[index + step].name) }));
    } catch (err) { failed(err); await load().catch(failed); }
  }

  async function toggle(booth) {
    try {
      await saveBooth(booth, { active: !booth.active });
      await load();
      ctx.notify(fmt(booth.active ? T.admin_booth_closed : T.admin_booth_opened, { name: name(booth.name) }));
    } catch (err) { failed(err); }
  }

  async function addDevice(booth, label, addForm) {
    try {
      const device = await ctx.call("POST", `/api/admin/booths/${encodeURIComponent(booth.id)}/devices`, { label });
      issued.set(booth.id, [...(issued.get(booth.id) || []), device]);
      ctx.notify(fmt(T.admin_device_added, { label: device.label || device.device_id, code: device.pairing_code }));
      await load();
      showSheet(booth);
    } catch (err) { showRefusal(addForm, err, ctx); }
  }

  async function revokeDevice(device) {
    if (!confirm(fmt(T.admin_device_revoke_confirm, { label: device.label || device.device_id }))) return;
    try {
      await ctx.call("DELETE", "/api/admin/devices/" + encodeURIComponent(device.device_id));
      ctx.notify(fmt(T.admin_device_revoked_done, { label: device.label || device.device_id }));
      await load();
    } catch (err) { failed(err); }
  }

  function showSheet(booth) {
    const sheet = part("sheet");
    part("sheet-title").textContent = fmt(T.admin_sheet_title, { name: name(booth.name) });
    const list = (issued.get(booth.id) || []).filter((device) =>
      devices.some((known) => known.device_id === device.device_id && !known.revoked));
    part("sheet-devices").replaceChildren(...(list.length ? list.map((device) => el("li", { class: "sheet-device" },
      el("div", { class: "qr", html: device.link_qr_svg }),
      el("div", {},
        el("h4", { text: device.label || device.device_id }),
        el("p", {}, T.admin_pairing_code + ": ", el("strong", { class: "code", text: device.pairing_code })),
        el("p", { class: "sheet-link", text: device.link }),
        el("p", { class: "muted", text: fmt(T.admin_sheet_expiry, { pairing: dateTime(device.pairing_expires),
          expires: dateTime(device.expires_at) }) })))) : [el("li", { class: "muted", text: T.admin_sheet_empty })]));
    sheet.hidden = false;
    sheet.scrollIntoView();
  }

  part("sheet-print").addEventListener("click", () => ctx.print(part("sheet")));
  part("sheet-close").addEventListener("click", () => { part("sheet").hidden = true; });

  load().catch(failed);
}
