// The Decide page's data files, read from docs/assets/data like the browser fetches them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type {
  Answers,
  Confidence,
  DecisionData,
  Outcome,
  Side,
} from "../../../docs/assets/javascripts/decide/scoring.js";

const DATA_DIR = join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "docs",
  "assets",
  "data",
);

export interface Scenario {
  id: string;
  title: string;
  situation: string;
  why: string;
  answers: Answers;
  expected: {
    outcome: Outcome;
    runtime: Side | null;
    confidence: Confidence | null;
    python: string[];
    node: string[];
    risk_from: string | null;
    /** The first of the smallest changes that would change what to build. */
    change: { answers: Answers; to: string } | null;
  };
  /** For scenarios that the old model scored differently: its result and why it moved. */
  changed_from?: { result: string; because: string };
}

export const data: DecisionData = JSON.parse(
  readFileSync(join(DATA_DIR, "decision.json"), "utf8"),
);
export const scenarios: Scenario[] = JSON.parse(
  readFileSync(join(DATA_DIR, "scenarios.json"), "utf8"),
).scenarios;
export const adrTemplate = readFileSync(
  join(DATA_DIR, "adr-template.txt"),
  "utf8",
);

/**
 * Every combination of answers: each question answered with each of its options, or left
 * open. Every object has every question's key, in question order (undefined when open),
 * so that they all share one shape, which keeps the engine's property lookups fast.
 */
export function* everyCombination(
  questions = data.questions,
): Generator<Answers> {
  function* picks(index: number): Generator<(string | undefined)[]> {
    if (index === questions.length) {
      yield [];
      return;
    }
    const choices = [
      undefined,
      ...must(questions[index]).options.map((option) => option.id),
    ];
    for (const rest of picks(index + 1)) {
      for (const choice of choices) yield [choice, ...rest];
    }
  }
  for (const pick of picks(0)) {
    const answers: Answers = {};
    questions.forEach((question, index) => {
      answers[question.id] = pick[index];
    });
    yield answers;
  }
}

/** How many questions the answers settle. */
export function answeredCount(answers: Answers): number {
  return Object.values(answers).filter((option) => option !== undefined).length;
}

/** A seeded pseudo-random generator (mulberry32), so sampled tests are repeatable. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The value, or a failed assertion when it is missing: the checked form of `x!`. */
export function must<T>(value: T | undefined | null, what = "a value"): T {
  assert.ok(value !== undefined && value !== null, `missing ${what}`);
  return value;
}
