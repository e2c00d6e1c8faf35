// The model's data and rules, on small hand-built answer sets.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type {
  Answers,
  Side,
} from "../../../docs/assets/javascripts/decide/scoring.js";
import {
  describe,
  encodeAnswers,
  explainConfidence,
  otherSide,
  parseAnswers,
  renderAdr,
  score,
  whatWouldChange,
} from "../../../docs/assets/javascripts/decide/scoring.js";
import { adrTemplate, data, must } from "./data.ts";

const DOCS = join(import.meta.dirname, "..", "..", "..", "docs");
const ALL_NEUTRAL = {
  team: "both",
  existing: "none",
  libs: "none",
  traffic: "ordinary",
  frontend: "none",
  hiring: "either",
  hosting: "containers",
};

test("each question feeds exactly one criterion, and each criterion has one question", () => {
  const fed = data.questions.map((q) => q.criterion).sort();
  assert.deepEqual(fed, data.criteria.map((c) => c.id).sort());
});

test("every option moves its criterion or says why it is neutral", () => {
  for (const question of data.questions) {
    const weight = must(
      data.criteria.find((c) => c.id === question.criterion),
    ).weight;
    for (const option of question.options) {
      const where = `${question.id}=${option.id}`;
      assert.ok(
        Number.isInteger(option.effect) && Math.abs(option.effect) <= 2,
        where,
      );
      if (option.effect === 0) {
        assert.ok(
          option.neutral && option.neutral.length > 10,
          `${where}: neutral, but why?`,
        );
      } else {
        assert.equal(
          option.neutral,
          undefined,
          `${where} moves, so it is not neutral`,
        );
        // Each open question costs `open_cost` points of margin; every answer that moves
        // must move at least that much, or answering could raise confidence in the side
        // the answer argues against.
        assert.ok(
          Math.abs(option.effect * weight) >= data.rules.open_cost,
          where,
        );
      }
    }
  }
});

test("mirrors pair options of opposite effect, and only the existing-code question extends", () => {
  for (const question of data.questions) {
    for (const option of question.options) {
      if (option.extends) assert.equal(question.criterion, "existing");
      if (option.mirror === undefined) continue;
      const mirror = question.options.find((o) => o.id === option.mirror);
      assert.ok(mirror, `${question.id}=${option.id}`);
      assert.equal(mirror.mirror, option.id);
      assert.equal(mirror.effect, -option.effect || 0);
      assert.equal(Boolean(mirror.extends), Boolean(option.extends));
    }
  }
});

test("a criterion that can pull one way names the risk of choosing the other", () => {
  for (const question of data.questions) {
    const criterion = must(
      data.criteria.find((c) => c.id === question.criterion),
    );
    for (const option of question.options.filter((o) => o.effect !== 0)) {
      const against: Side = otherSide(option.effect > 0 ? "python" : "node");
      assert.ok(
        criterion.risk[against],
        `${criterion.id}: risk of choosing ${against}`,
      );
    }
  }
});

test("every backing page exists in the guide", () => {
  const backing = [
    ...data.criteria.flatMap((c) => c.backed_by),
    ...data.split_backed_by,
  ];
  for (const { page } of backing) {
    assert.ok(existsSync(join(DOCS, must(page.split("#")[0]))), page);
  }
});

test("no answers, or fewer than the minimum: no verdict and no confidence", () => {
  const few: Answers[] = [
    {},
    { team: "python" },
    { team: "python", libs: "python" },
  ];
  for (const answers of few) {
    const result = score(data, answers);
    assert.equal(result.outcome, "none");
    assert.equal(result.confidence, null);
    assert.deepEqual(result.factors, []);
    assert.equal(result.risk, null);
  }
  const words = describe(data, score(data, {}));
  assert.equal(words.label, "No answer yet");
  assert.equal(
    words.headline,
    "Answer at least 3 of the 7 questions for a verdict.",
  );
});

test("all neutral: either, with high confidence that the runtimes are even", () => {
  const result = score(data, ALL_NEUTRAL);
  assert.equal(result.outcome, "either");
  assert.equal(result.confidence, "high");
  assert.deepEqual(
    result.factors,
    Object.keys(ALL_NEUTRAL).map(
      (q) =>
        must(data.questions.find((question) => question.id === q)).criterion,
    ),
  );
});

test("each open question costs two points of margin", () => {
  const three = { team: "python", existing: "python", libs: "none" };
  const result = score(data, three);
  assert.equal(result.outcome, "python");
  assert.equal(result.margin, 12 - 4 * data.rules.open_cost);
  assert.equal(result.confidence, "low");
  const full = score(data, { ...ALL_NEUTRAL, ...three });
  assert.equal(full.margin, 12);
  assert.equal(full.confidence, "high");
  assert.match(
    explainConfidence(data, result),
    /Python leads by 12 points and 4 open questions cost 8: a margin of 4/,
  );
});

test("strong pulls on both sides, one of them libraries: split along the libraries", () => {
  const result = score(data, {
    ...ALL_NEUTRAL,
    team: "typescript",
    libs: "python",
  });
  assert.equal(result.outcome, "split");
  assert.equal(result.runtime, "node");
  assert.equal(result.other, "python");
  assert.equal(result.apart, "libs");
  assert.deepEqual(result.factors, ["libs", "skills"]);
  assert.equal(result.risk, data.default_risk.split);
  assert.equal(
    describe(data, result).title,
    "Split the backend: Node.js for the product, " +
      "Python for the work that needs Python-only libraries",
  );
});

test("libraries against a weak pull are outweighed, not split", () => {
  const result = score(data, {
    ...ALL_NEUTRAL,
    frontend: "spa",
    libs: "python",
  });
  assert.equal(result.outcome, "python");
});

test("extending a codebase: extend it, even against the team's language", () => {
  const result = score(data, {
    ...ALL_NEUTRAL,
    team: "python",
    existing: "extend-node",
  });
  assert.equal(result.outcome, "extend");
  assert.equal(result.runtime, "node");
  assert.equal(result.margin, 6); // -6 twice, +6 for the team
  assert.equal(result.riskFrom, "skills");
  assert.equal(result.risk, must(data.criteria[0]).risk.node);
  assert.equal(describe(data, result).label, "Extend the Node.js code you run");
});

test("extending a codebase whose runtime lacks the libraries: split, keeping the codebase", () => {
  const answers = { ...ALL_NEUTRAL, existing: "extend-node", libs: "python" };
  const result = score(data, answers);
  assert.deepEqual(
    [result.outcome, result.runtime, result.other],
    ["split", "node", "python"],
  );
});

test("what would change it: the smallest changes, fewest points moved first", () => {
  const answers = {
    ...ALL_NEUTRAL,
    team: "python",
    frontend: "spa",
    libs: "python",
  };
  const [found, ...rest] = whatWouldChange(data, answers);
  const first = must(found);
  assert.equal(score(data, answers).outcome, "python");
  assert.deepEqual(first.changes, [
    { question: "existing", from: "none", to: "extend-node", moved: 6 },
  ]);
  assert.equal(first.result.outcome, "split");
  assert.ok(rest.every((alternative) => alternative.moved >= first.moved));
  assert.deepEqual(whatWouldChange(data, {}), []);
});

test("answers round-trip through the query string; unknown keys and values are dropped", () => {
  const answers = { team: "python", libs: "python", hosting: "edge" };
  const query = encodeAnswers(data, answers);
  assert.equal(query, "team=python&libs=python&hosting=edge");
  assert.deepEqual(parseAnswers(data, `?${query}`), answers);
  assert.deepEqual(parseAnswers(data, "?team=cobol&evil=1&libs=python&h=x"), {
    libs: "python",
  });
});

test("the ADR carries the verdict, both sides, the neutral answers and the changes", () => {
  const answers = {
    ...ALL_NEUTRAL,
    team: "typescript",
    libs: "python",
    frontend: "spa",
  };
  const result = score(data, answers);
  const adr = renderAdr(adrTemplate, data, answers, result, {
    date: "2026-11-22",
    link: "https://example.test/decide/?team=typescript",
    changes: whatWouldChange(data, answers),
  });
  assert.doesNotMatch(adr, /\{\{\w+\}\}/);
  assert.match(adr, /^date: 2026-11-22$/m);
  assert.match(
    adr,
    /^# Split the backend: Node\.js for the product, Python for the work/m,
  );
  assert.match(
    adr,
    /^Chosen option: "A service in each runtime: Node\.js for the product/m,
  );
  const section = (name: string) =>
    must(must(adr.split(`### ${name}\n\n`)[1]).split("\n\n")[0]);
  const python = section("What pulls towards Python");
  assert.match(python, /^\* Libraries in one ecosystem only: Python \+6/);
  assert.equal(section("What pulls towards Node.js").split("\n").length, 2);
  assert.match(
    section("What pulls towards Node.js"),
    /^\* Team skills: Node\.js \+6, because/,
  );
  assert.match(
    section("Neutral or not answered"),
    /Code you already run: neutral, because/,
  );
  assert.match(adr, /^\* Front end: "HTML pages the backend renders/m);
  assert.ok(adr.includes(data.default_risk.split));
  assert.ok(adr.includes("https://example.test/decide/?team=typescript"));
  // The template is shown as code on the ADR template page: 80 columns fit without scrolling.
  for (const line of adrTemplate.split("\n"))
    assert.ok(line.length <= 80, line);
});

test("without a verdict the ADR says so instead of choosing", () => {
  const adr = renderAdr(adrTemplate, data, {}, score(data, {}), {
    date: "d",
    link: "l",
  });
  assert.match(adr, /^# Choose the backend runtime$/m);
  assert.match(adr, /Chosen option: "\{not decided yet/);
  assert.match(adr, /^\* Nothing pulls towards Python\.$/m);
  assert.match(adr, /^\* Team skills: not answered$/m);
});
