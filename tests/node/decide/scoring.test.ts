// The scoring rules themselves, on small hand-built answer sets.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  contributions,
  encodeAnswers,
  parseAnswers,
  renderAdr,
  score,
} from "../../../docs/assets/javascripts/decide/scoring.js";
import { adrTemplate, data } from "./data.ts";

test("no answers: either, high confidence, no factors, the default risk", () => {
  const result = score(data, {});
  assert.equal(result.recommendation, "either");
  assert.equal(result.confidence, "high");
  assert.deepEqual(result.factors, []);
  assert.equal(result.risk, data.default_risk.either);
});

test("team skills alone give a medium lean", () => {
  assert.deepEqual(
    [score(data, { team: "python" }).recommendation, score(data, { team: "python" }).confidence],
    ["python", "medium"],
  );
  assert.equal(score(data, { team: "typescript" }).recommendation, "node");
});

test("a light criterion alone stays within the either band", () => {
  const result = score(data, { hiring: "python" });
  assert.equal(result.total, 2);
  assert.equal(result.recommendation, "either");
  assert.deepEqual(result.factors, ["hiring"]);
});

test("each criterion is clamped before its weight applies", () => {
  // No two questions move the same criterion today; add one that does, as the data may later.
  const extra = { id: "extra", label: "?", options: [{ id: "x", label: "x", effects: { skills: 2 } }] };
  const widened = { ...data, questions: [...data.questions, extra] };
  const points = contributions(widened, { team: "python", extra: "x", work: "realtime" });
  assert.deepEqual(
    points.filter((p) => p.points !== 0),
    [
      { criterion: "skills", points: 2 * 3 },
      { criterion: "workload", points: -2 * 2 },
    ],
  );
  for (const question of data.questions) {
    for (const option of question.options) {
      for (const effect of Object.values(option.effects)) {
        assert.ok(Math.abs(effect) <= data.clamp, `${question.id}/${option.id}`);
      }
    }
  }
});

test("the main risk comes from the strongest criterion against the choice", () => {
  const result = score(data, { team: "python", existing: "python", frontend: "ssr" });
  assert.equal(result.recommendation, "python");
  assert.equal(result.riskFrom, "shared");
  assert.equal(result.risk, data.criteria.find((c) => c.id === "shared")?.risk.python);
});

test("every effect names a criterion, and every criterion links a page", () => {
  const ids = new Set(data.criteria.map((c) => c.id));
  for (const question of data.questions) {
    for (const option of question.options) {
      for (const id of Object.keys(option.effects)) assert.ok(ids.has(id), id);
    }
  }
  for (const criterion of data.criteria) {
    assert.ok(criterion.backed_by.length > 0);
    for (const link of criterion.backed_by) assert.match(link.page, /^[a-z-]+\/[a-z-]+\.md$/);
  }
});

test("answers round-trip through the query string; unknown keys and values are dropped", () => {
  const answers = { team: "python", work: "ml", hosting: "edge" };
  const query = encodeAnswers(data, answers);
  assert.equal(query, "team=python&work=ml&hosting=edge");
  assert.deepEqual(parseAnswers(data, `?${query}`), answers);
  assert.deepEqual(parseAnswers(data, "?team=cobol&evil=1&work=ml&h=search"), { work: "ml" });
});

test("the ADR is the template filled with the answers and the result", () => {
  const answers = { team: "typescript", work: "realtime" };
  const result = score(data, answers);
  const adr = renderAdr(adrTemplate, data, answers, result, {
    date: "2026-11-22",
    link: "https://example.test/decide/?team=typescript&work=realtime",
  });
  assert.doesNotMatch(adr, /\{\{\w+\}\}/);
  assert.match(adr, /^date: 2026-11-22$/m);
  assert.match(adr, /^# Use Node\.js for the backend$/m);
  assert.match(adr, /^Chosen option: "Node\.js \(TypeScript, Express or Fastify\)"/m);
  assert.match(adr, /^\* Which language does the team write best today\? TypeScript or JavaScript$/m);
  assert.match(adr, /^\* What backend code do you already run\? Not answered$/m);
  assert.match(adr, /^\* Team skills$/m);
  assert.ok(adr.includes(data.default_risk.node));
  assert.ok(adr.includes("https://example.test/decide/?team=typescript&work=realtime"));
});

test("an either result leaves the chosen option for the team to fill in", () => {
  const adr = renderAdr(adrTemplate, data, {}, score(data, {}), { date: "d", link: "l" });
  assert.match(adr, /^# Choose the backend runtime$/m);
  assert.match(adr, /Chosen option: "\{Python or Node\.js/);
  assert.match(adr, /^\* No answer pulls towards either runtime$/m);
});
