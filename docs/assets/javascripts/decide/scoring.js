// Scoring for the Decide page: pure functions over assets/data/decision.json, so the
// same module runs in the browser (ui.js) and under node:test. No DOM, no I/O.
//
// The model, in full: each question feeds exactly one criterion. An answer's points are
// its effect (-2..2; Python positive, Node.js negative, 0 neutral) times the criterion's
// weight. score() turns the points into one of six outcomes by the rules in data.rules,
// which docs/decide/index.md renders from the same file.

const SIGN = { python: 1, node: -1 };
const BAND_ORDER = ["low", "medium", "high"];

/** "python" for points above zero, "node" below. */
export function sideOf(points) {
  return points > 0 ? "python" : "node";
}

export function otherSide(side) {
  return side === "python" ? "node" : "python";
}

function optionOf(question, answers) {
  const id = answers[question.id];
  return question.options.find((option) => option.id === id);
}

const CRITERIA = new WeakMap(); // data -> its criteria by id; the data is never mutated

function criteriaById(data) {
  if (!CRITERIA.has(data)) {
    CRITERIA.set(data, Object.fromEntries(data.criteria.map((c) => [c.id, c])));
  }
  return CRITERIA.get(data);
}

/** Keep only answers that name a known question and one of its options. */
export function cleanAnswers(data, answers) {
  const clean = {};
  for (const question of data.questions) {
    const option = optionOf(question, answers);
    if (option) clean[question.id] = option.id;
  }
  return clean;
}

/** Read answers from a query string such as "?team=python&libs=python". */
export function parseAnswers(data, query) {
  const raw = {};
  for (const [key, value] of new URLSearchParams(query)) raw[key] = value;
  return cleanAnswers(data, raw);
}

/** The query string for `answers`, in question order, without a leading "?". */
export function encodeAnswers(data, answers) {
  return new URLSearchParams(cleanAnswers(data, answers)).toString();
}

/** One row per question, in the data's order: its criterion, the option, signed points. */
export function contributions(data, answers) {
  const criteria = criteriaById(data);
  return data.questions.map((question) => {
    const option = optionOf(question, answers);
    return {
      question: question.id,
      criterion: question.criterion,
      option: option ? option.id : null,
      extends: option?.extends === true,
      points: option ? option.effect * criteria[question.criterion].weight || 0 : 0,
    };
  });
}

/** Largest pull first; ties keep the data file's order (the sort is stable). */
function strongestFirst(rows) {
  return [...rows].sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
}

function band(margin, bands) {
  if (margin >= bands.high) return "high";
  return margin >= bands.medium ? "medium" : "low";
}

function eitherBand(spread, bands) {
  if (spread <= bands.high) return "high";
  return spread <= bands.medium ? "medium" : "low";
}

/**
 * Score the answers. The result names the outcome ("none", "python", "node", "either",
 * "split" or "extend"), the runtime it builds in (for a split, the product's runtime;
 * `other` is the second one), its confidence and the margin behind it, each criterion's
 * signed points, the criteria on each side, the factors behind the verdict, and the main
 * risk with the criterion it comes from.
 */
export function score(data, answers) {
  const { rules } = data;
  const criteria = criteriaById(data);
  const rows = contributions(data, answers);
  const sides = { python: [], node: [], neutral: [], open: [] };
  const points = {};
  let total = 0;
  for (const row of rows) {
    points[row.criterion] = row.points;
    total += row.points;
  }
  const ranked = strongestFirst(rows);
  for (const row of ranked) {
    let side = row.points > 0 ? "python" : "node";
    if (row.points === 0) side = row.option === null ? "open" : "neutral";
    sides[side].push(row.criterion);
  }
  const result = {
    outcome: "none",
    runtime: null,
    other: null,
    apart: null,
    confidence: null,
    margin: null,
    total,
    answered: rows.length - sides.open.length,
    open: sides.open.length,
    points,
    sides,
    factors: [],
    riskFrom: null,
    risk: null,
  };
  if (result.answered < rules.min_answered) return result;

  const cost = rules.open_cost * result.open;
  const extended = rows.find((row) => row.extends);
  const apart = rows.find((row) => criteria[row.criterion].separable && row.points !== 0);
  // The code this work extends counts twice: it pulls, and it is where the work goes.
  const lead = result.total + (extended ? extended.points : 0);
  // `|| 0` turns the -0 of an even lead into 0, so that mirrored results compare equal.
  const decide = (outcome, runtime, strength, factors) => {
    const against = sides[otherSide(runtime)][0];
    return Object.assign(result, {
      outcome,
      runtime,
      margin: strength - cost || 0,
      confidence: band(strength - cost, rules.confidence),
      factors,
      riskFrom: against ?? null,
      risk: against ? criteria[against].risk[runtime] : data.default_risk[outcome],
    });
  };
  const split = (runtime, strength) =>
    Object.assign(decide("split", runtime, strength, [apart.criterion, ...sides[runtime]]), {
      other: otherSide(runtime),
      apart: apart.criterion,
      riskFrom: null, // the split itself is the main risk: two runtimes to operate
      risk: data.default_risk.split,
    });

  if (extended) {
    const runtime = sideOf(extended.points);
    if (apart && sideOf(apart.points) !== runtime) {
      return split(runtime, SIGN[runtime] * (lead - apart.points));
    }
    const rest = sides[runtime].filter((id) => id !== extended.criterion);
    return decide("extend", runtime, SIGN[runtime] * lead, [extended.criterion, ...rest]);
  }
  if (apart) {
    const rest = lead - apart.points;
    if (rest * apart.points < 0 && Math.abs(rest) >= rules.split_at) {
      return split(sideOf(rest), Math.abs(rest));
    }
  }
  if (Math.abs(lead) <= rules.either_at_most) {
    const pulling = ranked.filter((row) => row.points !== 0).map((row) => row.criterion);
    const spread = rows.reduce((sum, row) => sum + Math.abs(row.points), 0) + cost;
    return Object.assign(result, {
      outcome: "either",
      margin: spread,
      confidence: eitherBand(spread, rules.either_confidence),
      factors: pulling.length ? pulling : sides.neutral,
      risk: data.default_risk.either,
    });
  }
  const runtime = sideOf(lead);
  return decide(runtime, runtime, Math.abs(lead), sides[runtime]);
}

/** A key that differs exactly when two results differ in what they tell you to build. */
export function outcomeKey(result) {
  return result.runtime && !["python", "node"].includes(result.outcome)
    ? `${result.outcome}:${result.runtime}`
    : result.outcome;
}

/**
 * What a result tells you to build: like outcomeKey, except that extending a codebase
 * builds in its runtime, so "Python" and "extend the Python code" count as the same.
 */
export function buildKey(result) {
  return result.outcome === "extend" ? result.runtime : outcomeKey(result);
}

/** Where a verdict sits between Node.js (negative) and Python (positive); null for none. */
export function position(result) {
  const strength = 1 + BAND_ORDER.indexOf(result.confidence);
  const sign = result.runtime ? SIGN[result.runtime] : 0;
  switch (result.outcome) {
    case "none":
      return null;
    case "either":
      return 0;
    case "split":
      return sign * 0.5;
    case "extend":
      return sign * 4;
    default:
      return sign * strength;
  }
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));
}

/** The result in words: label, ADR title, headline and the ADR's chosen option. */
export function describe(data, result) {
  const texts = data.outcomes[result.outcome];
  const label = (side) => (side ? data.runtimes[side].label : "");
  const values = {
    runtime: label(result.runtime),
    other: label(result.other),
    part: result.apart ? criteriaById(data)[result.apart].split_part[result.other] : "",
    min: String(data.rules.min_answered),
    count: String(data.questions.length),
  };
  const chosen = {
    none: "{not decided yet: answer the questions first}",
    either: "{Python or Node.js: the answers do not decide it; name the tie-breaker}",
    python: data.runtimes.python.option,
    node: data.runtimes.node.option,
    split: fill("A service in each runtime: {runtime} for the product, {other} for {part}", values),
    extend: fill("Extend the existing {runtime} codebase", values),
  }[result.outcome];
  return {
    label: fill(texts.label, values),
    title: fill(texts.title, values),
    headline: fill(texts.headline, values),
    chosen,
  };
}

/** One sentence on where the confidence comes from, with the numbers behind it. */
export function explainConfidence(data, result) {
  const { rules } = data;
  const cost = rules.open_cost * result.open;
  let costs = "no question is left open";
  if (result.open === 1) costs = `the open question costs ${cost}`;
  if (result.open > 1) costs = `${result.open} open questions cost ${cost}`;
  if (result.outcome === "none") {
    const needed = rules.min_answered - result.answered;
    return `No verdict until ${rules.min_answered} questions are answered: ${needed} more.`;
  }
  if (result.outcome === "either") {
    const pull = result.margin - cost;
    const pulls = pull ? `pulls of ${pull} points cancel out` : "nothing pulls";
    return (
      `The sides are within ${rules.either_at_most} points: ${pulls} and ${costs}, ` +
      `${result.margin} in all (high up to ${rules.either_confidence.high}, ` +
      `medium up to ${rules.either_confidence.medium}).`
    );
  }
  const runtime = data.runtimes[result.runtime].label;
  const lead = result.margin + rules.open_cost * result.open;
  let how = runtime;
  if (result.outcome === "split") {
    how = `Without ${criteriaById(data)[result.apart].aside}, ${runtime}`;
  } else if (result.outcome === "extend") {
    how = `Counting the code you extend twice, ${runtime}`;
  }
  return (
    `${how} leads by ${lead} points and ${costs}: a margin of ${result.margin} ` +
    `(high from ${rules.confidence.high}, medium from ${rules.confidence.medium}).`
  );
}

function* pick(lists, size, start = 0) {
  if (size === 0) {
    yield [];
    return;
  }
  for (let index = start; index <= lists.length - size; index++) {
    for (const item of lists[index]) {
      for (const rest of pick(lists, size - 1, index + 1)) yield [item, ...rest];
    }
  }
}

/**
 * The smallest changes of answers that change what to build (see buildKey): first every
 * single change
 * (another option for one question, answered or open), then pairs, up to `maxChanges`.
 * Of the smallest size found, the ones that move the fewest points come first.
 */
export function whatWouldChange(data, answers, { maxChanges = 2, limit = 3 } = {}) {
  const clean = cleanAnswers(data, answers);
  const current = score(data, clean);
  if (current.outcome === "none") return [];
  const weights = Object.fromEntries(data.criteria.map((c) => [c.id, c.weight]));
  const choices = data.questions.map((question) =>
    question.options
      .filter((option) => option.id !== clean[question.id])
      .map((option) => ({
        question: question.id,
        from: clean[question.id] ?? null,
        to: option.id,
        moved: Math.abs(
          option.effect * weights[question.criterion] - current.points[question.criterion],
        ),
      })),
  );
  for (let size = 1; size <= maxChanges; size++) {
    const found = [];
    for (const changes of pick(choices, size)) {
      const changed = { ...clean };
      for (const change of changes) changed[change.question] = change.to;
      const result = score(data, changed);
      if (buildKey(result) !== buildKey(current)) {
        const moved = changes.reduce((sum, change) => sum + change.moved, 0);
        found.push({ changes, moved, result });
      }
    }
    if (found.length) return found.sort((a, b) => a.moved - b.moved).slice(0, limit);
  }
  return [];
}

/** "Python +6", "Node.js +4" or "neutral" for signed points. */
export function signed(data, points) {
  if (points === 0) return "neutral";
  return `${data.runtimes[sideOf(points)].label} +${Math.abs(points)}`;
}

/** The label of a question's option, or "not answered". */
export function answerLabel(data, questionId, optionId) {
  const question = data.questions.find((q) => q.id === questionId);
  const option = question.options.find((o) => o.id === optionId);
  return option ? option.label : "not answered";
}

function sideLines(data, result, answers, side) {
  const criteria = criteriaById(data);
  return result.sides[side].map((id) => {
    const question = data.questions.find((q) => q.criterion === id);
    const pages = criteria[id].backed_by.map((b) => b.title).join(", ");
    return (
      `* ${criteria[id].label}: ${signed(data, result.points[id])}, because the answer ` +
      `was "${answerLabel(data, question.id, answers[question.id])}". Read: ${pages}`
    );
  });
}

/** The change list in words, as the page and the ADR show it. */
export function changeLines(data, changes) {
  const criteria = criteriaById(data);
  return changes.map(({ changes: list, result }) => {
    const what = list
      .map((change) => {
        const question = data.questions.find((q) => q.id === change.question);
        const to = answerLabel(data, change.question, change.to);
        const from = change.from
          ? `instead of "${answerLabel(data, change.question, change.from)}"`
          : "(not answered yet)";
        return `${criteria[question.criterion].label}: "${to}" ${from}`;
      })
      .join(", and ");
    const confidence = result.confidence ? `, ${result.confidence} confidence` : "";
    return `${what} → ${describe(data, result).label}${confidence}`;
  });
}

/** Fill the ADR template's {{placeholders}}; `link` is the shareable URL of the answers. */
export function renderAdr(template, data, answers, result, { date, link, changes = [] }) {
  const clean = cleanAnswers(data, answers);
  const criteria = criteriaById(data);
  const words = describe(data, result);
  const bullets = (lines, empty) => (lines.length ? lines.join("\n") : `* ${empty}`);
  const drivers = data.questions.map(
    (question) => `* ${question.label} ${answerLabel(data, question.id, clean[question.id])}`,
  );
  const neutral = data.questions
    .filter((question) => result.points[question.criterion] === 0)
    .map((question) => {
      const option = question.options.find((o) => o.id === clean[question.id]);
      const why = option ? `neutral, because ${option.neutral}` : "not answered";
      return `* ${criteria[question.criterion].label}: ${why}`;
    });
  const options = [data.runtimes.python.option, data.runtimes.node.option];
  options.push("A service in each runtime, split along work that needs one ecosystem's libraries");
  if (result.outcome === "extend") options.push(words.chosen);
  const values = {
    date,
    link,
    title: words.title,
    chosen: words.chosen,
    verdict: words.label,
    confidence: result.confidence ? `${result.confidence} confidence` : "no confidence yet",
    headline: words.headline,
    why_confidence: explainConfidence(data, result),
    drivers: drivers.join("\n"),
    options: options.map((option) => `* ${option}`).join("\n"),
    python_side: bullets(sideLines(data, result, clean, "python"), "Nothing pulls towards Python."),
    node_side: bullets(sideLines(data, result, clean, "node"), "Nothing pulls towards Node.js."),
    neutral: bullets(neutral, "Every answer pulls one way or the other."),
    risk: result.risk ?? "{no verdict yet, so no risk named}",
    change: bullets(
      changeLines(data, changes).map((line) => `* ${line}`),
      "No change of one or two answers changes the verdict.",
    ),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (match, key) =>
    Object.hasOwn(values, key) ? values[key] : match,
  );
}
