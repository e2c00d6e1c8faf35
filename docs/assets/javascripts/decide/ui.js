// The Decide page's form and result. Loaded on every page (extra_javascript, type: module);
// does nothing unless the page has the tool's root element, #decide-tool.
//
// Layout: opened with answers in the address (a shared link), the result comes first and
// the questions fold away behind "Change answers"; opened without, the questions come
// first, and a summary of the verdict sticks to the bottom of the screen while they are
// in view, so the verdict is visible after the last answer without scrolling.
import {
  answerLabel,
  changeLines,
  describe,
  encodeAnswers,
  explainConfidence,
  parseAnswers,
  renderAdr,
  score,
  signed,
  whatWouldChange,
} from "./scoring.js";

const DATA_URL = new URL("../../data/decision.json", import.meta.url);
const TEMPLATE_URL = new URL("../../data/adr-template.txt", import.meta.url);
const SITE_ROOT = new URL("../../../", import.meta.url);
const ADR_FILE = "adr-backend-runtime.md";

/** "compare/team.md#part" -> the built page's URL (directory URLs, as MkDocs writes them). */
function pageUrl(page) {
  const [file, anchor] = page.split("#");
  const path = file.replace(/(^|\/)index\.md$/, "$1").replace(/\.md$/, "/");
  return new URL(path + (anchor ? `#${anchor}` : ""), SITE_ROOT).href;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

function links(backing) {
  const list = el("span", { class: "decide-links" });
  backing.forEach((item, index) => {
    if (index) list.append(", ");
    list.append(el("a", { href: pageUrl(item.page) }, item.title));
  });
  return list;
}

function buildForm(data, answers) {
  const criteria = Object.fromEntries(data.criteria.map((c) => [c.id, c]));
  const form = el("form", { class: "decide-form" });
  for (const question of data.questions) {
    const criterion = criteria[question.criterion];
    const fieldset = el("fieldset", { "data-question": question.id });
    const feeds = `Feeds one criterion: ${criterion.label}, weight ${criterion.weight}.`;
    fieldset.append(
      el("legend", {}, question.label),
      el("p", { class: "decide-feeds" }, feeds, question.help ? ` ${question.help}` : ""),
    );
    const choices = [{ id: "", label: "Not sure yet", effect: null }, ...question.options];
    for (const option of choices) {
      const input = el("input", { type: "radio", name: question.id, value: option.id });
      input.checked = (answers[question.id] ?? "") === option.id;
      let tag = "open";
      if (option.effect !== null) tag = signed(data, option.effect * criterion.weight);
      if (option.extends) tag += ", extends it";
      fieldset.append(
        el(
          "label",
          { class: "decide-option" },
          input,
          el("span", {}, option.label),
          el("span", { class: "decide-tag" }, tag),
        ),
      );
    }
    form.append(fieldset);
  }
  form.addEventListener("submit", (event) => event.preventDefault());
  return form;
}

function readForm(form) {
  const answers = {};
  for (const [key, value] of new FormData(form)) if (value) answers[key] = value;
  return answers;
}

/** The two sides as a diverging bar chart: a table, readable without colour or bars. */
function sidesChart(data, result, answers) {
  const criteria = Object.fromEntries(data.criteria.map((c) => [c.id, c]));
  const max = Math.max(...data.criteria.map((c) => 2 * c.weight));
  const total = (side) =>
    result.sides[side].reduce((sum, id) => sum + Math.abs(result.points[id]), 0);
  const python = data.runtimes.python.label;
  const node = data.runtimes.node.label;
  const caption = `Points per criterion: ${python} ${total("python")}, ${node} ${total("node")}.`;
  const body = el("tbody");
  const order = [
    ...[...result.sides.python, ...result.sides.node].sort(
      (a, b) => Math.abs(result.points[b]) - Math.abs(result.points[a]),
    ),
    ...result.sides.neutral,
    ...result.sides.open,
  ];
  for (const id of order) {
    const criterion = criteria[id];
    const question = data.questions.find((q) => q.criterion === id);
    const option = question.options.find((o) => o.id === answers[question.id]);
    const points = result.points[id];
    const side = points > 0 ? "python" : points < 0 ? "node" : option ? "neutral" : "open";
    const heading = el(
      "th",
      { scope: "row" },
      el("a", { href: pageUrl(criterion.backed_by[0].page) }, criterion.label),
      el("span", { class: "decide-answer" }, answerLabel(data, question.id, option?.id)),
    );
    const row = el("tr", { "data-criterion": id, "data-side": side, "data-points": points });
    if (side === "neutral" || side === "open") {
      const text = side === "open" ? "not answered" : `neutral: ${option.neutral}`;
      row.append(heading, el("td", { colspan: "2", class: "decide-still" }, text));
    } else {
      const bar = el("span", { class: `decide-bar decide-bar--${side}` });
      bar.style.setProperty("--share", String(Math.abs(points) / max));
      // "+6" in the column "Towards Python": the column says the side, the text the points.
      const label = el("span", { class: "decide-points" }, `+${Math.abs(points)}`);
      const cell = (mine) => {
        const content = mine === side ? [bar, label] : [];
        return el("td", { class: `decide-cell decide-cell--${mine}` }, ...content);
      };
      row.append(heading, cell("python"), cell("node"));
    }
    body.append(row);
  }
  return el(
    "table",
    { class: "decide-chart" },
    el("caption", {}, caption),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, "Criterion and your answer"),
        el("th", { scope: "col", class: "decide-head--python" }, `Towards ${python}`),
        el("th", { scope: "col", class: "decide-head--node" }, `Towards ${node}`),
      ),
    ),
    body,
  );
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (or an insecure context): select a textarea and copy it.
    const area = el("textarea", { readonly: "", class: "decide-copy-fallback" });
    area.value = text;
    document.body.append(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    return copied;
  }
}

function download(text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/markdown" }));
  const anchor = el("a", { href: url, download: ADR_FILE });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function verdictLine(data, result) {
  const words = describe(data, result);
  const verdict = el("strong", { "data-field": "verdict" }, words.label);
  const line = el("p", { class: "decide-verdict" }, verdict);
  if (result.confidence) {
    const confidence = `${result.confidence} confidence`;
    const attributes = { class: "decide-confidence", "data-field": "confidence" };
    line.append(" ", el("span", attributes, confidence));
  }
  return line;
}

function renderResult(section, data, template, answers, openAnswers) {
  const result = score(data, answers);
  const words = describe(data, result);
  const criteria = Object.fromEntries(data.criteria.map((c) => [c.id, c]));
  const changes = whatWouldChange(data, answers);
  const link = location.href;
  const adr = renderAdr(template, data, answers, result, {
    date: new Date().toISOString().slice(0, 10),
    link,
    changes,
  });
  section.dataset.outcome = result.outcome;
  section.dataset.runtime = result.runtime ?? "";
  section.dataset.confidence = result.confidence ?? "";

  const change = el("a", { href: "#decide-answers", class: "decide-change" }, "Change answers");
  change.addEventListener("click", (event) => {
    event.preventDefault();
    openAnswers();
  });
  const status = el("p", { class: "decide-status", role: "status" });
  const say = (message) => (status.textContent = message);
  const button = (action, label, onClick, primary = false) => {
    const attributes = { type: "button", "data-action": action };
    attributes.class = `md-button decide-button${primary ? " md-button--primary" : ""}`;
    const node = el("button", attributes, label);
    node.addEventListener("click", onClick);
    return node;
  };
  const copyLink = button("copy-link", "Copy link", async () =>
    say((await copyText(link)) ? "Link copied." : "Copy failed: copy the address bar instead."),
  );
  const answered = `${result.answered} of ${data.questions.length} questions answered.`;
  const parts = [
    el("h2", { class: "decide-heading", id: "decide-result-heading" }, "Your result"),
    verdictLine(data, result),
    el("p", { "data-field": "headline" }, words.headline),
    el("p", { class: "decide-meta" }, el("span", {}, answered), " ", change),
  ];
  if (result.outcome === "none") {
    section.replaceChildren(...parts, el("p", { class: "decide-actions" }, copyLink), status);
    return result;
  }

  const risk = el("p", { "data-field": "risk" }, result.risk);
  const backing = result.riskFrom ? [...criteria[result.riskFrom].backed_by] : [];
  if (result.outcome === "split") backing.push(...data.split_backed_by);
  if (backing.length) risk.append(" Read: ", links(backing), ".");
  const changeList = el("ul", { "data-field": "change" });
  for (const line of changeLines(data, changes)) changeList.append(el("li", {}, line));
  if (!changes.length) {
    changeList.append(el("li", {}, "No change of one or two answers changes it."));
  }
  const copyAdr = button("copy-adr", "Copy ADR", async () =>
    say((await copyText(adr)) ? "ADR copied as Markdown." : "Copy failed: use Download ADR."),
  );
  const save = button("download-adr", "Download ADR", () => download(adr), true);
  section.replaceChildren(
    ...parts,
    el("p", { class: "decide-why-confidence" }, explainConfidence(data, result)),
    el("h3", {}, "What pulls each way"),
    el("div", { class: "decide-chart-wrap" }, sidesChart(data, result, answers)),
    el("h3", {}, "Main risk of this choice"),
    risk,
    el("h3", {}, "What would change this answer"),
    changeList,
    el("p", { class: "decide-actions" }, copyLink, " ", copyAdr, " ", save),
    status,
    el(
      "details",
      { class: "decide-adr" },
      el("summary", {}, "Preview the ADR"),
      el("pre", { "data-field": "adr" }, adr),
    ),
  );
  return result;
}

function renderSummary(bar, data, result) {
  const words = describe(data, result);
  const text = el("span", { class: "decide-summary__text" });
  if (result.outcome === "none") {
    const needed = data.rules.min_answered - result.answered;
    const more = `${needed} more ${needed === 1 ? "answer" : "answers"} for a verdict.`;
    text.append(el("strong", {}, words.label), `: ${more}`);
    bar.replaceChildren(text);
    return;
  }
  const verdict = el("strong", { "data-field": "verdict" }, words.label);
  text.append(verdict, ` ${result.confidence} confidence.`);
  bar.replaceChildren(text, " ", el("a", { href: "#decide-result" }, "See why"));
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

async function start(root) {
  const [data, template] = await Promise.all([
    fetchOk(DATA_URL).then((response) => response.json()),
    fetchOk(TEMPLATE_URL).then((response) => response.text()),
  ]);
  const initial = parseAnswers(data, location.search);
  const fromLink = Object.keys(initial).length > 0;
  const form = buildForm(data, initial);
  const summary = el("div", { class: "decide-summary", "aria-live": "polite" });
  const heading = el("summary", { class: "decide-answers__summary" });
  const answersBox = el(
    "details",
    { class: "decide-answers", id: "decide-answers" },
    heading,
    form,
    summary,
  );
  answersBox.open = !fromLink;
  const result = el("section", {
    class: "decide-result",
    id: "decide-result",
    "aria-labelledby": "decide-result-heading",
  });
  const openAnswers = () => {
    answersBox.open = true;
    answersBox.scrollIntoView({ block: "start" });
    const current = form.querySelector("input:checked") ?? form.querySelector("input");
    current.focus({ preventScroll: true });
  };
  const update = () => {
    const answers = readForm(form);
    const query = encodeAnswers(data, answers);
    const search = query ? `?${query}` : "";
    history.replaceState(null, "", `${location.pathname}${search}${location.hash}`);
    const scored = renderResult(result, data, template, answers, openAnswers);
    renderSummary(summary, data, scored);
    heading.textContent = `Questions: ${scored.answered} of ${data.questions.length} answered`;
  };
  form.addEventListener("change", update);
  root.replaceChildren(...(fromLink ? [result, answersBox] : [answersBox, result]));
  root.classList.toggle("decide-tool--result-first", fromLink);
  root.hidden = false;
  update();
}

const root = document.getElementById("decide-tool");
if (root) {
  start(root).catch((error) => {
    root.hidden = false;
    root.textContent =
      "The decision tool could not load its data; the tables below hold the same rules.";
    console.error(error);
  });
}
