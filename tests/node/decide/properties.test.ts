// Properties of the scoring model, checked over every combination of answers (each
// question answered with each of its options, or left open: 76,800 combinations).
// Deterministic: the sampled tests use seeded generators.
import assert from "node:assert/strict";
import { test } from "node:test";
import type {
  Answers,
  DecisionData,
  Result,
} from "../../../docs/assets/javascripts/decide/scoring.js";
import {
  buildKey,
  describe,
  explainConfidence,
  otherSide,
  position,
  score,
  whatWouldChange,
} from "../../../docs/assets/javascripts/decide/scoring.js";
import { answeredCount, data, everyCombination, must, seeded } from "./data.ts";

const ALL = [...everyCombination()];
const show = (answers: Answers) => JSON.stringify(answers);

/** What a result says: the fields a reader sees, without the points behind them. */
function said(result: Result) {
  const { outcome, runtime, other, apart, confidence, margin } = result;
  const { factors, riskFrom } = result;
  return {
    outcome,
    runtime,
    other,
    apart,
    confidence,
    margin,
    factors,
    riskFrom,
  };
}

/** What a result says, with Python and Node.js swapped. */
function mirrored(result: Result) {
  const swap = (side: Result["runtime"]) => (side ? otherSide(side) : null);
  const outcome =
    { python: "node", node: "python" }[result.outcome as string] ??
    result.outcome;
  return {
    ...said(result),
    outcome,
    runtime: swap(result.runtime),
    other: swap(result.other),
  };
}

// One pass scores every combination once and keeps only what the tests below need:
// holding 76,800 full results would cost seconds of garbage collection. Properties (c)
// and (d) are checked in the same pass; their tests report what it found.
const POSITIONS: (number | null)[] = [];
const TOTALS: number[] = [];
const MIRRORED: string[] = [];
const INCOMPLETE: string[] = []; // (c): a verdict without factors, confidence or risk
const EARLY: string[] = []; // (d): a verdict with too few answers, or none with enough
const worded = new Set<string>();
for (const answers of ALL) {
  const result = score(data, answers);
  POSITIONS.push(position(result));
  TOTALS.push(result.total);
  MIRRORED.push(JSON.stringify(mirrored(result)));
  const few = answeredCount(answers) < data.rules.min_answered;
  const none = result.outcome === "none";
  if (none !== few) EARLY.push(show(answers));
  if (none && (result.confidence || result.runtime || result.factors.length)) {
    EARLY.push(show(answers));
  }
  const complete =
    result.factors.length > 0 && result.confidence !== null && !!result.risk;
  if (!none && !complete) INCOMPLETE.push(show(answers));
  // A runtime verdict's factors all pull towards that runtime.
  const side = result.runtime ? result.sides[result.runtime] : [];
  if (["python", "node", "extend"].includes(result.outcome)) {
    if (!result.factors.every((id) => side.includes(id))) {
      INCOMPLETE.push(show(answers));
    }
  }
  // The words depend on these fields only: check each distinct set of them once.
  const { outcome, runtime, other, apart, margin, open, answered } = result;
  const key = `${outcome} ${runtime} ${other} ${apart} ${margin} ${open} ${answered}`;
  if (!worded.has(key)) {
    worded.add(key);
    for (const text of Object.values(describe(data, result))) {
      assert.doesNotMatch(text, /\{(runtime|other|part|min|count)\}/);
    }
    assert.ok(explainConfidence(data, result).length > 0);
  }
}

test("the properties are checked over every combination of answers", () => {
  const expected = data.questions.reduce(
    (n, q) => n * (q.options.length + 1),
    1,
  );
  assert.equal(ALL.length, expected);
  assert.equal(new Set(ALL.map(show)).size, expected);
  assert.ok(ALL.length >= 10_000, `${ALL.length} combinations`);
});

test("(a) adding an answer never moves the verdict against the side it favours", () => {
  let checked = 0;
  ALL.forEach((answers, index) => {
    const from = POSITIONS[index] ?? null;
    for (const question of data.questions) {
      if (answers[question.id] !== undefined) continue;
      for (const option of question.options.filter((o) => o.effect !== 0)) {
        const after = score(data, { ...answers, [question.id]: option.id });
        // The points always move the way the answer favours.
        const moved = after.total - must(TOTALS[index]);
        if (Math.sign(moved) !== Math.sign(option.effect)) {
          assert.fail(
            `${show(answers)} + ${question.id}=${option.id}: ${moved}`,
          );
        }
        const to = position(after);
        if (from === null || to === null) continue; // no verdict yet on one side
        checked++;
        if (option.effect > 0 ? to < from : to > from) {
          assert.fail(
            `${show(answers)} + ${question.id}=${option.id}: ${from} -> ${to}`,
          );
        }
      }
    }
  });
  assert.ok(checked > 100_000, `${checked} additions compared`);
});

test("(a) replacing an answer by one that favours Python more never helps Node.js", () => {
  // One direction is enough here: the mirror tests below carry it over to Node.js. A
  // seeded sample of 10,000 combinations, each with every such replacement.
  const random = seeded(2026);
  for (let n = 0; n < 10_000; n++) {
    const index = Math.floor(random() * ALL.length);
    const answers = must(ALL[index]);
    const from = POSITIONS[index] ?? null;
    if (from === null) continue;
    for (const question of data.questions) {
      const current = question.options.find(
        (o) => o.id === answers[question.id],
      );
      if (!current) continue;
      for (const option of question.options) {
        if (option.effect <= current.effect) continue;
        const changed = { ...answers, [question.id]: option.id };
        const to = must(position(score(data, changed)));
        if (to < from) {
          assert.fail(
            `${show(answers)}: ${question.id}=${option.id}: ${from} -> ${to}`,
          );
        }
      }
    }
  }
});

/** deepEqual, with the cheap comparison first: it runs for every combination. */
function sameResult(actual: object, expected: string, answers: Answers) {
  if (JSON.stringify(actual) !== expected) {
    assert.deepEqual(actual, JSON.parse(expected), show(answers));
  }
}

test("(b) mirroring every answer mirrors the outcome", () => {
  const mirrors = new Map(
    data.questions.map((q) => [
      q.id,
      new Map(q.options.map((o) => [o.id, o.mirror])),
    ]),
  );
  let checked = 0;
  ALL.forEach((answers, index) => {
    const mirror: Answers = {};
    for (const [question, option] of Object.entries(answers)) {
      const other =
        option === undefined ? undefined : mirrors.get(question)?.get(option);
      if (option !== undefined && other === undefined) return; // one-sided: see below
      mirror[question] = other;
    }
    checked++;
    sameResult(said(score(data, mirror)), must(MIRRORED[index]), answers);
  });
  assert.ok(checked >= 10_000, `${checked} mirrored combinations`);
});

test("(b) the rules are symmetric: with every effect negated, outcomes mirror", () => {
  const negated: DecisionData = {
    ...data,
    questions: data.questions.map((question) => ({
      ...question,
      options: question.options.map((option) => ({
        ...option,
        effect: -option.effect || 0,
      })),
    })),
  };
  // The previous test covers every combination with a mirror; the rules are the same
  // code for all of them, so a seeded sample of 20,000 checks their symmetry.
  const random = seeded(3);
  for (let n = 0; n < 20_000; n++) {
    const index = Math.floor(random() * ALL.length);
    const answers = must(ALL[index]);
    sameResult(said(score(negated, answers)), must(MIRRORED[index]), answers);
  }
});

test("every option that has no mirror is named, with the reason on the page", () => {
  const oneSided = data.questions.flatMap((q) =>
    q.options
      .filter((o) => o.mirror === undefined)
      .map((o) => `${q.id}=${o.id}`),
  );
  assert.deepEqual(oneSided, ["traffic=connections"]);
  const traffic = must(data.criteria.find((c) => c.id === "traffic"));
  assert.match(traffic.python_when, /^no shape of traffic/);
});

test("(c) no combination throws, and every verdict has factors, a confidence and a risk", () => {
  // The pass above scored every combination without an exception.
  assert.equal(POSITIONS.length, ALL.length);
  assert.deepEqual(INCOMPLETE, []);
});

test("(d) without enough answers there is no verdict, no confidence and no factor", () => {
  const empty = score(data, {});
  assert.equal(empty.outcome, "none");
  assert.equal(empty.confidence, null);
  assert.deepEqual(empty.factors, []);
  assert.deepEqual(EARLY, []);
});

test("what would change it: each change found changes what to build, and none is smaller", () => {
  const random = seeded(11);
  for (let n = 0; n < 400; n++) {
    const answers = must(ALL[Math.floor(random() * ALL.length)]);
    const current = score(data, answers);
    const found = whatWouldChange(data, answers, { limit: 100 });
    if (current.outcome === "none") {
      assert.deepEqual(found, []);
      continue;
    }
    const singles = data.questions.flatMap((q) =>
      q.options
        .filter((o) => o.id !== answers[q.id])
        .filter(
          (o) =>
            buildKey(score(data, { ...answers, [q.id]: o.id })) !==
            buildKey(current),
        ),
    );
    if (singles.length) {
      assert.equal(found.length, Math.min(100, singles.length), show(answers));
    }
    for (const alternative of found) {
      assert.equal(
        alternative.changes.length,
        singles.length ? 1 : 2,
        show(answers),
      );
      const changed = { ...answers };
      for (const change of alternative.changes) {
        changed[change.question] = change.to;
      }
      assert.notEqual(buildKey(score(data, changed)), buildKey(current));
    }
    const moved = found.map((alternative) => alternative.moved);
    assert.deepEqual(
      moved,
      [...moved].sort((a, b) => a - b),
    );
  }
});
