// Every worked scenario on docs/decide/scenarios.md, asserted exactly against the scoring module.
import assert from "node:assert/strict";
import { test } from "node:test";
import { score } from "../../../docs/assets/javascripts/decide/scoring.js";
import { data, scenarios } from "./data.ts";

test("the scenario page has at least ten scenarios and every outcome occurs", () => {
  assert.ok(scenarios.length >= 10);
  const outcomes = new Set(scenarios.map((s) => s.expected.recommendation));
  assert.deepEqual([...outcomes].sort(), ["either", "node", "python"]);
});

test("every scenario answers every question with a known option", () => {
  for (const scenario of scenarios) {
    for (const question of data.questions) {
      const answer = scenario.answers[question.id];
      assert.ok(
        question.options.some((option) => option.id === answer),
        `${scenario.id}: ${question.id}=${answer}`,
      );
    }
  }
});

for (const scenario of scenarios) {
  test(`scenario ${scenario.id}`, () => {
    const result = score(data, scenario.answers);
    assert.deepEqual(
      {
        recommendation: result.recommendation,
        confidence: result.confidence,
        factors: result.factors,
        risk_from: result.riskFrom,
      },
      scenario.expected,
    );
  });
}
