// Every worked scenario on docs/decide/scenarios.md, asserted exactly against the scoring
// module: the outcome, its runtime and confidence, the two sides, the main risk's source
// and the first of the smallest changes that would change what to build.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  outcomeKey,
  score,
  whatWouldChange,
} from "../../../docs/assets/javascripts/decide/scoring.js";
import { data, scenarios } from "./data.ts";

test("at least 25 scenarios with unique ids, covering every outcome", () => {
  assert.ok(scenarios.length >= 25, `${scenarios.length} scenarios`);
  assert.equal(new Set(scenarios.map((s) => s.id)).size, scenarios.length);
  const outcomes = new Set(scenarios.map((s) => s.expected.outcome));
  assert.deepEqual([...outcomes].sort(), [
    "either",
    "extend",
    "node",
    "none",
    "python",
    "split",
  ]);
  const runtimes = (outcome: string) =>
    new Set(
      scenarios
        .filter((s) => s.expected.outcome === outcome)
        .map((s) => s.expected.runtime),
    );
  // Both directions of the two new outcomes are shown, not just the Node.js-first one.
  assert.deepEqual([...runtimes("split")].sort(), ["node", "python"]);
  assert.deepEqual([...runtimes("extend")].sort(), ["node", "python"]);
});

test("every scenario answers with known options and explains itself in a paragraph", () => {
  for (const scenario of scenarios) {
    for (const [questionId, optionId] of Object.entries(scenario.answers)) {
      const question = data.questions.find((q) => q.id === questionId);
      assert.ok(
        question?.options.some((o) => o.id === optionId),
        `${scenario.id}: ${questionId}`,
      );
    }
    assert.ok(scenario.situation.length > 40, scenario.id);
    assert.ok(
      scenario.why.length > 120 && !scenario.why.includes("\n"),
      scenario.id,
    );
  }
});

for (const scenario of scenarios) {
  test(`scenario ${scenario.id}`, () => {
    const result = score(data, scenario.answers);
    const first = whatWouldChange(data, scenario.answers)[0];
    assert.deepEqual(
      {
        outcome: result.outcome,
        runtime: result.runtime,
        confidence: result.confidence,
        python: result.sides.python,
        node: result.sides.node,
        risk_from: result.riskFrom,
        change: first
          ? {
              answers: Object.fromEntries(
                first.changes.map((c) => [c.question, c.to]),
              ),
              to: outcomeKey(first.result),
            }
          : null,
      },
      scenario.expected,
    );
  });
}
