// The organisers' console: signs in with the organisers' token or an organiser's pass (its link
// carries it in the fragment, staff.js keeps it), then mounts each section the page lists
// (gateway/routes/pages.py ADMIN_SECTIONS): templates/admin/<name>.html + static/admin/<name>.js.
//
// Each section's module exports `mount(section, ctx)`; `ctx` is built once here:
//   call(method, path, body) -> Promise<JSON>  a JSON API request with the organiser's token, in the page's
//                               language; rejects like common.js request (the error's JSON, `fields` for a 422).
//                               A refused sign-in (401, revoked or expired pass) brings the sign-in back.
//   upload(method, path, file) -> Promise<JSON>  the same, sending a File as it is (its own content type).
//   download(path) -> Promise  fetches a file with the token and saves it under the server's file name.
//   print(node)                 prints only `node` (an A4 sheet), through the page's print styles.
//   T                           the page's texts (admin_*, err_*, scan_reason_*), in its language.
//   lang                        the page's language ("vi" or "en").
//   notify(text, kind)          the page's status line; kind "ok" (default) or "error".
import { $, errorText, lang, pageTexts, request } from "./common.js";
import { staff } from "./staff.js";

const T = pageTexts();
const sections = [...document.querySelectorAll("#admin-console > section[id^='admin-']")];
let mounted = false;

function notify(text, kind = "ok") {
  const line = $("admin-status");
  line.textContent = text;
  line.className = "admin-status no-print " + (kind === "error" ? "alert" : "notice");
  line.hidden = false;
}

function signIn(message) {
  $("admin-console").hidden = true;
  $("admin-login").hidden = false;
  $("admin-login-error").hidden = !message;
  $("admin-login-error").textContent = message || "";
}

function refusedSignIn(err) {
  if (staff.refused(err)) signIn(err.message);
  throw err;
}

const call = (method, path, body) => request(method, path, { body, token: staff.token() }).catch(refusedSignIn);
const upload = (method, path, file) => request(method, path, { file, token: staff.token() }).catch(refusedSignIn);

async function download(path) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + staff.token(), "Accept-Language": lang } });
  if (!response.ok) {
    const err = { ...(await response.json().catch(() => ({ error: "unavailable" }))), status: response.status };
    return refusedSignIn(err);
  }
  const named = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") || "");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = named ? named[1] : path.split("/").pop();
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
}

function print(node) {
  $("admin-print").replaceChildren(node.cloneNode(true));
  document.body.classList.add("printing");
  window.print();
}
window.addEventListener("afterprint", () => document.body.classList.remove("printing"));

const ctx = { call, upload, download, print, T, lang, notify };

async function open() {
  try {
    await call("GET", "/api/admin/passport");
  } catch (err) {
    if (!staff.refused(err)) signIn(errorText(err, T.err_unavailable));  // a refusal already asked again
    return;
  }
  if (!mounted) {
    mounted = true;
    await mountSections();
  }
  $("admin-login").hidden = true;
  $("admin-console").hidden = false;
}

// Every section's script is loaded and mounted before the console shows, so no form is tapped before
// its handler is there. A section may hide itself (nothing to show yet): its link follows once it has mounted.
async function mountSections() {
  const modules = await Promise.all(sections.map((section) => import("./admin/" + section.id.replace("admin-", "") + ".js")));
  sections.forEach((section, i) => {
    const link = document.createElement("a");
    link.href = "#" + section.id;
    link.textContent = section.querySelector("h2").textContent;
    link.hidden = section.hidden;
    $("admin-nav").append(link);
    Promise.resolve(modules[i].mount(section, ctx)).finally(() => { link.hidden = section.hidden; });
  });
}

$("admin-login").addEventListener("submit", (event) => {
  event.preventDefault();
  staff.set($("admin-token").value);
  $("admin-token").value = "";
  open();
});
$("admin-sign-out").addEventListener("click", () => { staff.set(""); signIn(); });

if (staff.token()) open(); else signIn();
