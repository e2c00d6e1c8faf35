// Types for scoring.js, so the TypeScript tests under tests/node/decide type-check against it.

export type Outcome = "python" | "node" | "either";
export type Confidence = "high" | "medium" | "low";
export type Answers = Record<string, string>;

export interface Option {
  id: string;
  label: string;
  effects: Record<string, number>;
}
export interface Question {
  id: string;
  label: string;
  options: Option[];
}
export interface Criterion {
  id: string;
  label: string;
  weight: number;
  python_when: string;
  node_when: string;
  backed_by: { title: string; page: string }[];
  risk: { python: string; node: string };
}
export interface DecisionData {
  clamp: number;
  bands: {
    either_at_most: number;
    runtime: { at_least: number; confidence: Confidence }[];
    either: { pull_at_most: number; confidence: Confidence }[];
  };
  outcomes: Record<Outcome, { label: string; option: string }>;
  default_risk: Record<Outcome, string>;
  criteria: Criterion[];
  questions: Question[];
}
export interface Result {
  recommendation: Outcome;
  confidence: Confidence;
  total: number;
  pull: number;
  points: Record<string, number>;
  factors: string[];
  riskFrom: string | null;
  risk: string;
}

export function cleanAnswers(data: DecisionData, answers: Answers): Answers;
export function parseAnswers(data: DecisionData, query: string): Answers;
export function encodeAnswers(data: DecisionData, answers: Answers): string;
export function contributions(
  data: DecisionData,
  answers: Answers,
): { criterion: string; points: number }[];
export function score(data: DecisionData, answers: Answers): Result;
export function renderAdr(
  template: string,
  data: DecisionData,
  answers: Answers,
  result: Result,
  context: { date: string; link: string },
): string;
