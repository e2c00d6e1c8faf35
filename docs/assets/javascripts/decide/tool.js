// The Decide page's tool: ui.js loads this module on that page only.
//
// The page arrives with the tool already drawn (scripts/decision_table.py renders
// [[decide:tool]]: every question, no verdict yet), so nothing moves when this script
// runs. It takes that form over: ticks the answers a shared link carries, reads the form
// on every change, and redraws the result and the summary bar.
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

/** Tick the given answers in the form; a question without one goes back to "Not sure yet". */
function tick(form, data, answers) {
  for (const question of data.questions) {
    const value = answers[question.id] ?? "";
    for (const input of form.elements.namedItem(question.id) ?? []) {
      input.checked = input.value === value;
    }
  }
}

/** Run the tool in `root`, the markup that [[decide:tool]] rendered into the page. */
export async function start(root) {
  const [data, template] = await Promise.all([
    fetchOk(DATA_URL).then((response) => response.json()),
    fetchOk(TEMPLATE_URL).then((response) => response.text()),
  ]);
  const form = root.querySelector(".decide-form");
  const answersBox = root.querySelector(".decide-answers");
  const heading = answersBox.querySelector("summary");
  const summary = root.querySelector(".decide-summary");
  const result = root.querySelector(".decide-result");
  const initial = parseAnswers(data, location.search);
  const fromLink = Object.keys(initial).length > 0;
  // A shared link sets the answers; otherwise keep what the reader ticked before this
  // script ran, or what the browser restored.
  if (fromLink) tick(form, data, initial);
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
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("change", update);
  if (fromLink) {
    // Already done by the page's own script before the first paint (decision_table.py).
    answersBox.open = false;
    root.prepend(result);
    root.classList.add("decide-tool--result-first");
  }
  update();
  root.classList.remove("decide-tool--pending");
  root.dataset.ready = "";
}
