// The online contest: its title, opening and closing times (entered and shown on the market's clock,
// Asia/Ho_Chi_Minh, whatever the laptop's zone), the time limit per entry and the prediction question;
// while it runs, its live figures, asked again every few seconds.
import { dateTime, fmt, number } from "../common.js";
import { clearRefusal, el, formValues, showRefusal } from "../admin_kit.js";

// Viet Nam keeps UTC+7 all year (no summer time), so the market's clock is a fixed offset.
const MARKET_OFFSET = "+07:00", MARKET_OFFSET_MS = 7 * 3600 * 1000;
const FIGURES_EVERY_MS = 5000;

const toInput = (iso) => new Date(new Date(iso).getTime() + MARKET_OFFSET_MS).toISOString().slice(0, 16);
const fromInput = (value) => (value ? value + ":00" + MARKET_OFFSET : "");

export function mount(section, ctx) {
  const T = ctx.T;
  const part = (role) => section.querySelector(`[data-role="${role}"]`);
  const form = part("contest-form");
  let contest = null, timer = null;

  const contestId = () => form.elements.id.value.trim();

  // `quiet`: on opening the page, a contest not made yet is no news.
  async function load(quiet = false) {
    clearRefusal(form);
    try {
      contest = await ctx.call("GET", "/api/contests/" + encodeURIComponent(contestId()));
    } catch (err) {
      contest = null;
      part("figures").hidden = true;
      if (err.status !== 404) return ctx.notify(err.message || T.err_unavailable, "error");
      return quiet || ctx.notify(T.admin_contest_new);
    }
    form.elements.title.value = contest.title;
    form.elements.opens_at.value = toInput(contest.opens_at);
    form.elements.closes_at.value = toInput(contest.closes_at);
    form.elements.minutes.value = Math.round(contest.time_limit_seconds / 60);
    form.elements.ask_prediction.checked = contest.ask_prediction;
    figures();
  }

  async function figures() {
    clearTimeout(timer);
    if (!contest) return;
    const now = new Date(), running = new Date(contest.opens_at) <= now && now < new Date(contest.closes_at);
    try {
      const stats = await ctx.call("GET", `/api/contests/${encodeURIComponent(contest.id)}/stats`);
      part("figures-state").textContent = running ? T.admin_contest_running : fmt(T.admin_contest_window, {
        opens: dateTime(contest.opens_at), closes: dateTime(contest.closes_at) });
      part("figures-state").className = "status " + (running ? "live" : "stale");
      const counts = { participants: T.admin_contest_participants, entries: T.admin_contest_entries,
        perfect_participants: T.admin_contest_perfect_participants, perfect_entries: T.admin_contest_perfect_entries };
      part("figures-list").replaceChildren(...Object.entries(counts).flatMap(([name, label]) => [
        el("dt", { text: label }), el("dd", { "data-figure": name, text: number(stats[name]) })]),
        el("dt", { text: T.admin_contest_fastest }),
        el("dd", { "data-figure": "fastest", text: stats.fastest_perfect_seconds == null ? "—"
          : fmt(T.admin_contest_seconds, { n: number(stats.fastest_perfect_seconds, 1) }) }));
      part("communes").replaceChildren(...Object.entries(stats.by_commune).slice(0, 10).map(([commune, n]) =>
        el("li", { text: `${commune} — ${number(n)}` })));
      part("figures").hidden = false;
    } catch (err) { ctx.notify(err.message || T.err_unavailable, "error"); }
    if (running && !document.hidden) timer = setTimeout(figures, FIGURES_EVERY_MS);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearRefusal(form);
    const v = formValues(form);
    try {
      contest = await ctx.call("PUT", "/api/admin/quiz/contests/" + encodeURIComponent(v.id), {
        title: v.title, opens_at: fromInput(v.opens_at), closes_at: fromInput(v.closes_at),
        time_limit_seconds: v.minutes === "" ? null : Math.round(v.minutes * 60), ask_prediction: v.ask_prediction });
      ctx.notify(fmt(T.admin_contest_saved, { title: contest.title, opens: dateTime(contest.opens_at),
        closes: dateTime(contest.closes_at) }));
      figures();
    } catch (err) { showRefusal(form, err, ctx); }
  });

  part("contest-load").addEventListener("click", () => load());
  document.addEventListener("visibilitychange", () => { if (!document.hidden) figures(); });
  load(true);
}
