// A person's own data: what every service holds about them, a copy to download (JSON), and a
// request to delete it, each with the badge's code and the phone registered with it as proof.
import { $, errorText, fmt, pageTexts, request } from "/static/common.js";

const T = pageTexts();
// The livestream knows a viewer only by the id their page keeps on this phone.
const viewerId = localStorage.getItem("ndld.viewer");
let proof = null, held = null;

function proofFromForm() {
  const body = { viewer_id: viewerId };
  for (const field of ["code", "phone", "name", "commune"]) body[field] = $(field).value;
  return body;
}

function line(term, value) {
  const dt = document.createElement("dt"), dd = document.createElement("dd");
  dt.textContent = term;
  dd.textContent = value;
  $("held-list").append(dt, dd);
}

function show(data) {
  $("held-list").replaceChildren();
  const me = data.registration.attendee;
  if (me) {
    line(T.mydata_attendee, [me.name, me.phone, me.commune].filter(Boolean).join(" · "));
    line(T.mydata_consent, fmt(T.mydata_consent_given, { version: me.consent_version || "–" }));
  }
  line(T.mydata_visits, String(data.checkin.visits.length));
  line(T.mydata_entries, String(data.quiz.contest_entries.length + data.quiz.round_players.length));
  line(T.mydata_posts, String(data.livestream.posts.length));
  $("held").hidden = false;
}

$("proof").addEventListener("submit", (e) => {
  e.preventDefault();
  $("proof-note").textContent = T.mydata_looking;
  proof = proofFromForm();
  request("POST", "/api/my-data", { body: proof }).then((data) => {
    held = data;
    $("proof-note").textContent = "";
    show(data);
  }, (err) => {
    $("held").hidden = true;
    $("proof-note").textContent = errorText(err, T.err_unavailable);
  });
});

$("download").addEventListener("click", () => {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(held, null, 2)], { type: "application/json" }));
  link.download = "my-data-" + held.registration.attendee.code + ".json";
  link.click();
  URL.revokeObjectURL(link.href);
});

$("erase-sure").addEventListener("change", (e) => { $("erase").disabled = !e.target.checked; });

$("erase").addEventListener("click", () => {
  $("erase").disabled = true;
  request("POST", "/api/my-data/erase", { body: proof }).then(() => {
    $("held-list").replaceChildren();
    $("download").hidden = true;
    $("erase-note").textContent = T.mydata_erased;
  }, (err) => {
    $("erase").disabled = false;
    $("erase-note").textContent = errorText(err, T.err_unavailable);
  });
});
