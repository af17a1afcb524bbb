// The staff pass (or the organisers' own token) that the MC's and moderators' pages send: taken
// once from the link's fragment (never sent to a server, dropped from the address bar), kept here.
const KEY = "ndld.staff";
const LOGIN_ERRORS = ["unauthenticated", "forbidden", "pass_expired", "pass_revoked", "wrong_role"];

const match = location.hash.match(/token=([A-Za-z0-9._-]+)/);
if (match) {
  localStorage.setItem(KEY, match[1]);
  history.replaceState(null, "", location.pathname + location.search);
}

export const staff = {
  token: () => localStorage.getItem(KEY),
  set: (token) => localStorage.setItem(KEY, token.trim()),
  /** Whether an error answer means the pass no longer lets this person in. */
  refused: (err) => !!err && LOGIN_ERRORS.includes(err.error),
};
