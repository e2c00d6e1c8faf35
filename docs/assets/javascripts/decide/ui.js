// The Decide page's form and result. Loaded on every page (extra_javascript, type: module);
// does nothing unless the page has the tool's root element, #decide-tool.
import { encodeAnswers, parseAnswers, renderAdr, score } from "./scoring.js";

const DATA_URL = new URL("../../data/decision.json", import.meta.url);
const TEMPLATE_URL = new URL("../../data/adr-template.txt", import.meta.url);
const SITE_ROOT = new URL("../../../", import.meta.url);
const ADR_FILE = "adr-backend-runtime.md";

/** "compare/team.md" -> the built page's URL (directory URLs, as MkDocs writes them). */
function pageUrl(page) {
  const path = page.replace(/(^|\/)index\.md$/, "$1").replace(/\.md$/, "/");
  return new URL(path, SITE_ROOT).href;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

function buildForm(data, answers) {
  const form = el("form", { class: "decide-form" });
  for (const question of data.questions) {
    const fieldset = el("fieldset", { "data-question": question.id }, el("legend", {}, question.label));
    const choices = [{ id: "", label: "Not sure, or does not apply" }, ...question.options];
    for (const option of choices) {
      const input = el("input", { type: "radio", name: question.id, value: option.id });
      input.checked = (answers[question.id] ?? "") === option.id;
      fieldset.append(el("label", {}, input, ` ${option.label}`));
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

function links(criterion) {
  const list = el("span", { class: "decide-links" });
  criterion.backed_by.forEach((backing, index) => {
    if (index) list.append(", ");
    list.append(el("a", { href: pageUrl(backing.page) }, backing.title));
  });
  return list;
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

function renderResult(container, data, template, answers) {
  const result = score(data, answers);
  const byId = Object.fromEntries(data.criteria.map((criterion) => [criterion.id, criterion]));
  const answered = Object.keys(answers).length;
  const link = location.href;
  const adr = renderAdr(template, data, answers, result, {
    date: new Date().toISOString().slice(0, 10),
    link,
  });

  container.dataset.recommendation = result.recommendation;
  container.dataset.confidence = result.confidence;
  const factorList = el("ol", { class: "decide-factors" });
  for (const id of result.factors) {
    const text = `${byId[id].label}, ${Math.abs(result.points[id])} points. Read: `;
    factorList.append(el("li", { "data-criterion": id }, text, links(byId[id])));
  }
  if (!result.factors.length) factorList.append(el("li", {}, "No answer pulls either way."));
  const riskSource = result.riskFrom ? byId[result.riskFrom] : null;
  const status = el("p", { class: "decide-status", role: "status" });
  const say = (message) => (status.textContent = message);

  const button = (action, label, onClick, extraClass = "") => {
    const attributes = { type: "button", class: `md-button ${extraClass}`, "data-action": action };
    const node = el("button", attributes, label);
    node.addEventListener("click", onClick);
    return node;
  };
  const copyLink = button("copy-link", "Copy link", async () =>
    say((await copyText(link)) ? "Link copied." : "Copy failed: copy the address bar instead."),
  );
  const copyAdr = button("copy-adr", "Copy ADR", async () =>
    say((await copyText(adr)) ? "ADR copied as Markdown." : "Copy failed: use Download ADR."),
  );
  const save = button("download-adr", "Download ADR", () => download(adr), "md-button--primary");

  container.replaceChildren(
    el(
      "p",
      { class: "decide-verdict" },
      el("strong", { "data-field": "recommendation" }, data.outcomes[result.recommendation].label),
      el("span", { "data-field": "confidence" }, ` (${result.confidence} confidence)`),
    ),
    el("p", { class: "decide-answered" }, `${answered} of ${data.questions.length} questions answered.`),
    el("h3", {}, "What decided it"),
    factorList,
    el("h3", {}, "Main risk of this choice"),
    el("p", { "data-field": "risk" }, result.risk, ...(riskSource ? [" Read: ", links(riskSource)] : [])),
    el("p", { class: "decide-actions" }, copyLink, " ", copyAdr, " ", save),
    status,
    el("details", {}, el("summary", {}, "Preview the ADR"), el("pre", { "data-field": "adr" }, adr)),
  );
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
  const form = buildForm(data, parseAnswers(data, location.search));
  const result = el("section", { class: "decide-result", "aria-live": "polite" });
  const update = () => {
    const answers = readForm(form);
    const query = encodeAnswers(data, answers);
    history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
    renderResult(result, data, template, answers);
  };
  form.addEventListener("change", update);
  root.replaceChildren(form, result);
  root.hidden = false;
  update();
}

const root = document.getElementById("decide-tool");
if (root) {
  start(root).catch((error) => {
    root.hidden = false;
    root.textContent = "The decision tool could not load its data; the tables below hold the same rules.";
    console.error(error);
  });
}
