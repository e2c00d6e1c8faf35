// Scoring for the Decide page. Pure functions over the data in assets/data/decision.json,
// so the same module runs in the browser (ui.js) and under node:test. No DOM, no I/O.

/** The option a question's answer selects, or undefined for an unknown or missing answer. */
function chosenOption(question, answers) {
  const id = answers[question.id];
  return question.options.find((option) => option.id === id);
}

/** Keep only answers that name a known question and one of its options. */
export function cleanAnswers(data, answers) {
  const clean = {};
  for (const question of data.questions) {
    const option = chosenOption(question, answers);
    if (option) clean[question.id] = option.id;
  }
  return clean;
}

/** Read answers from a query string such as "?team=python&work=ml"; unknown keys are dropped. */
export function parseAnswers(data, query) {
  const params = new URLSearchParams(query);
  const raw = {};
  for (const [key, value] of params) raw[key] = value;
  return cleanAnswers(data, raw);
}

/** The query string for `answers`, in question order, without a leading "?". */
export function encodeAnswers(data, answers) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(cleanAnswers(data, answers))) params.set(key, value);
  return params.toString();
}

/** Each criterion's signed points: clamped sum of its answer effects, times its weight. */
export function contributions(data, answers) {
  const raw = Object.fromEntries(data.criteria.map((criterion) => [criterion.id, 0]));
  for (const question of data.questions) {
    const option = chosenOption(question, answers);
    for (const [id, effect] of Object.entries(option?.effects ?? {})) raw[id] += effect;
  }
  return data.criteria.map((criterion) => {
    const effect = Math.max(-data.clamp, Math.min(data.clamp, raw[criterion.id]));
    return { criterion: criterion.id, points: effect * criterion.weight };
  });
}

/** Largest pull first; ties keep the data file's order (Array.prototype.sort is stable). */
function strongestFirst(items) {
  return [...items].sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
}

function bandFor(bands, value, key, compare) {
  return bands.find((band) => compare(value, band[key])).confidence;
}

/**
 * Score the answers: the recommendation ("python", "node" or "either"), its confidence band,
 * each criterion's signed points, up to three deciding criteria (ids), the main risk and the
 * criterion it comes from.
 */
export function score(data, answers) {
  const parts = contributions(data, answers);
  const total = parts.reduce((sum, part) => sum + part.points, 0);
  const pull = parts.reduce((sum, part) => sum + Math.abs(part.points), 0);
  const byId = Object.fromEntries(data.criteria.map((criterion) => [criterion.id, criterion]));
  const moving = strongestFirst(parts.filter((part) => part.points !== 0));
  const points = Object.fromEntries(parts.map((part) => [part.criterion, part.points]));

  if (Math.abs(total) <= data.bands.either_at_most) {
    return {
      recommendation: "either",
      confidence: bandFor(data.bands.either, pull, "pull_at_most", (v, limit) => v <= limit),
      total,
      pull,
      points,
      factors: moving.slice(0, 3).map((part) => part.criterion),
      riskFrom: null,
      risk: data.default_risk.either,
    };
  }
  const recommendation = total > 0 ? "python" : "node";
  const sign = Math.sign(total);
  const against = moving.find((part) => Math.sign(part.points) === -sign);
  return {
    recommendation,
    confidence: bandFor(data.bands.runtime, Math.abs(total), "at_least", (v, min) => v >= min),
    total,
    pull,
    points,
    factors: moving
      .filter((part) => Math.sign(part.points) === sign)
      .slice(0, 3)
      .map((part) => part.criterion),
    riskFrom: against ? against.criterion : null,
    risk: against ? byId[against.criterion].risk[recommendation] : data.default_risk[recommendation],
  };
}

/** Fill the ADR template's {{placeholders}}; `link` is the shareable URL of the answers. */
export function renderAdr(template, data, answers, result, { date, link }) {
  const clean = cleanAnswers(data, answers);
  const byId = Object.fromEntries(data.criteria.map((criterion) => [criterion.id, criterion]));
  const outcome = data.outcomes[result.recommendation];
  const drivers = data.questions.map((question) => {
    const option = question.options.find((o) => o.id === clean[question.id]);
    return `* ${question.label} ${option ? option.label : "Not answered"}`;
  });
  const factors = result.factors.map((id) => `* ${byId[id].label}`);
  const chosen =
    result.recommendation === "either"
      ? "{Python or Node.js: the answers do not decide it; name the tie-breaker}"
      : outcome.option;
  const values = {
    date,
    link,
    title:
      result.recommendation === "either"
        ? "Choose the backend runtime"
        : `Use ${outcome.label} for the backend`,
    chosen,
    recommendation: outcome.label,
    confidence: result.confidence,
    drivers: drivers.join("\n"),
    factors: factors.length ? factors.join("\n") : "* No answer pulls towards either runtime",
    risk: result.risk,
  };
  return template.replace(/\{\{(\w+)\}\}/g, (match, key) =>
    Object.hasOwn(values, key) ? values[key] : match,
  );
}
