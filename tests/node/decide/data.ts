// The Decide page's data files, read from docs/assets/data like the browser fetches them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Answers, Confidence, DecisionData, Outcome } from "../../../docs/assets/javascripts/decide/scoring.js";

const DATA_DIR = join(import.meta.dirname, "..", "..", "..", "docs", "assets", "data");

export interface Scenario {
  id: string;
  title: string;
  answers: Answers;
  expected: { recommendation: Outcome; confidence: Confidence; factors: string[]; risk_from: string | null };
}

export const data: DecisionData = JSON.parse(readFileSync(join(DATA_DIR, "decision.json"), "utf8"));
export const scenarios: Scenario[] = JSON.parse(
  readFileSync(join(DATA_DIR, "scenarios.json"), "utf8"),
).scenarios;
export const adrTemplate = readFileSync(join(DATA_DIR, "adr-template.txt"), "utf8");
