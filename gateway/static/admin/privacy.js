// The console's privacy section: the retention period, when the shredder runs (and whether the
// data was exported before it), and the audit log of staff who saw or exported personal data.
import { fmt } from "/static/common.js";

export function mount(section, ctx) {
  const { call, T, notify } = ctx;
  const form = section.querySelector("[data-form=retention]");
  const field = (name) => section.querySelector(`[data-field=${name}]`);
  const when = (iso) => new Date(iso).toLocaleString(ctx.lang === "vi" ? "vi-VN" : "en-GB", { timeZone: "Asia/Ho_Chi_Minh" });
  const KINDS = { view: T.admin_privacy_kind_view, export: T.admin_privacy_kind_export };

  function showSettings(s) {
    form.retention_days.value = s.retention_days ?? "";
    form.event_date.value = s.event_date ?? "";
    form.phone_required.checked = s.phone_required;
    field("shred").textContent = s.last_shred_at ? fmt(T.admin_privacy_shredded, { at: when(s.last_shred_at) })
      : s.shred_at ? fmt(T.admin_privacy_shred_at, { at: when(s.shred_at) })
      : T.admin_privacy_not_set;
    const warn = s.shred_at && !s.last_shred_at && !s.exported_at;
    field("export").hidden = !warn;
    field("export").textContent = warn ? T.admin_privacy_export_first : "";
  }

  function showAudit(records) {
    field("audit").replaceChildren(...records.map((r) => {
      const row = document.createElement("tr");
      for (const value of [when(r.at), r.who, KINDS[r.kind] || r.kind,
                           r.route + " · " + r.subject]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.append(cell);
      }
      return row;
    }));
  }

  const refresh = () => Promise.all([call("GET", "/api/admin/privacy").then(showSettings),
                                     call("GET", "/api/admin/audit").then(showAudit)]);

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = { retention_days: Number(form.retention_days.value), phone_required: form.phone_required.checked };
    if (form.event_date.value) body.event_date = form.event_date.value;
    call("PUT", "/api/admin/privacy", body).then((s) => { showSettings(s); notify(T.admin_privacy_saved, "ok"); },
      (err) => notify(err.message || T.err_unavailable, "error"));
  });
  return refresh();
}
