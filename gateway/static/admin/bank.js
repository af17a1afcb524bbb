// The question bank: upload an Excel (.xlsx), CSV or JSON file (an Excel template downloads here); the whole file is taken or, with any bad row,
// none of it, and then every bad row is listed (row as the file numbers it, field, reason). The bank
// as it stands is previewed the way players see each question, with its answer for the organisers.
import { fmt } from "../common.js";
import { clearRefusal, el } from "../admin_kit.js";

const FORMATS = ["xlsx", "csv", "json"];
const ROW_FIELD = /^row (\d+): (.+)$/;  // how the quiz service names a bad cell (services/quiz/logic.py)
const LETTERS = "ABCDEF";

export function mount(section, ctx) {
  const T = ctx.T;
  const part = (role) => section.querySelector(`[data-role="${role}"]`);
  const form = part("bank-form");
  const say = (texts) => texts[ctx.lang] || texts.vi;

  async function preview() {
    const bank = await ctx.call("GET", "/api/admin/quiz/bank");
    part("preview-title").textContent = fmt(T.admin_bank_preview_n, { n: bank.length });
    part("preview").replaceChildren(...bank.map((question, i) => el("li", { class: "card question", "data-question": question.id },
      el("p", { class: "muted", text: fmt(T.admin_bank_question, { n: i + 1, m: bank.length, id: question.id }) }),
      el("p", { class: "q-text", text: say(question.text) }),
      el("ol", { class: "answer-grid" }, question.choices.map((choice, c) =>
        el("li", { class: `answer a${c}`, text: `${LETTERS[c]}. ${say(choice)}` }))),
      el("p", { class: "muted", text: fmt(T.admin_bank_answer, { letter: question.correct }) +
        (say(question.explanation) ? " — " + say(question.explanation) : "") }))));
  }

  function report(err) {
    const rows = Object.entries(err.fields || {}).map(([key, problem]) => {
      const [, row, field] = ROW_FIELD.exec(key) || [null, T.admin_bank_whole_file, "—"];
      return el("tr", {}, el("td", { text: row }), el("td", {}, el("code", { text: field })), el("td", { text: problem.message }));
    });
    if (!rows.length) rows.push(el("tr", {}, el("td", { text: T.admin_bank_whole_file }), el("td", { text: "—" }),
      el("td", { text: err.message || T.err_unavailable })));
    part("report-title").textContent = fmt(T.admin_bank_refused, { n: rows.length });
    part("report-rows").replaceChildren(...rows);
    part("report").hidden = false;
    ctx.notify(fmt(T.admin_bank_refused, { n: rows.length }), "error");
  }

  part("template").addEventListener("click", () =>
    ctx.download(`/api/admin/quiz/bank-template.xlsx?lang=${ctx.lang}`).catch((err) => ctx.notify(err.message || T.err_unavailable, "error")));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearRefusal(form);
    part("report").hidden = true;
    const file = form.elements.file.files[0];
    const format = file && file.name.split(".").pop().toLowerCase();
    if (!file || !FORMATS.includes(format)) {
      return report({ fields: { bank: { message: T.err_bank_format } } });
    }
    try {
      const answer = await ctx.upload("PUT", `/api/admin/quiz/bank.${format}`, file);
      ctx.notify(fmt(T.admin_bank_imported, { n: answer.imported }));
      form.reset();
      await preview();
    } catch (err) { report(err); }
  });

  preview().catch((err) => ctx.notify(err.message || T.err_unavailable, "error"));
}
