// Types for scoring.js, so the TypeScript tests under tests/node/decide type-check against it.

export type Side = "python" | "node";
export type Outcome = "none" | "python" | "node" | "either" | "split" | "extend";
export type Confidence = "high" | "medium" | "low";
/** Question id -> option id; a missing or undefined answer leaves the question open. */
export type Answers = Partial<Record<string, string>>;

export interface Option {
  id: string;
  label: string;
  /** -2..2: positive favours Python, negative Node.js, 0 is neutral. */
  effect: number;
  /** Why a neutral option (effect 0) is neutral; absent otherwise. */
  neutral?: string;
  /** The option with the opposite effect, if the question has one. */
  mirror?: string;
  /** The work extends a codebase in the runtime the effect points to. */
  extends?: boolean;
}
export interface Question {
  id: string;
  /** The one criterion this question feeds. */
  criterion: string;
  label: string;
  help?: string;
  options: Option[];
}
export interface Backing {
  title: string;
  page: string;
}
export interface Criterion {
  id: string;
  label: string;
  weight: number;
  /** Work that can run as its own service: a split is cut along it. */
  separable?: boolean;
  aside?: string;
  split_part?: Record<Side, string>;
  python_when: string;
  node_when: string;
  neutral_when: string;
  backed_by: Backing[];
  /** The risk of choosing a runtime while this criterion pulls the other way. */
  risk: Partial<Record<Side, string>>;
}
export interface Texts {
  label: string;
  title: string;
  headline: string;
}
export interface DecisionData {
  rules: {
    min_answered: number;
    open_cost: number;
    either_at_most: number;
    split_at: number;
    confidence: { high: number; medium: number };
    either_confidence: { high: number; medium: number };
  };
  runtimes: Record<Side, { label: string; option: string }>;
  outcomes: Record<Outcome, Texts>;
  default_risk: Record<Exclude<Outcome, "none">, string>;
  split_backed_by: Backing[];
  criteria: Criterion[];
  questions: Question[];
}
export interface Row {
  question: string;
  criterion: string;
  option: string | null;
  extends: boolean;
  points: number;
}
export interface Result {
  outcome: Outcome;
  runtime: Side | null;
  other: Side | null;
  apart: string | null;
  confidence: Confidence | null;
  margin: number | null;
  total: number;
  answered: number;
  open: number;
  points: Record<string, number>;
  sides: { python: string[]; node: string[]; neutral: string[]; open: string[] };
  factors: string[];
  riskFrom: string | null;
  risk: string | null;
}
export interface Change {
  question: string;
  from: string | null;
  to: string;
  moved: number;
}
export interface Alternative {
  changes: Change[];
  moved: number;
  result: Result;
}

export function sideOf(points: number): Side;
export function otherSide(side: Side): Side;
export function cleanAnswers(data: DecisionData, answers: Answers): Answers;
export function parseAnswers(data: DecisionData, query: string): Answers;
export function encodeAnswers(data: DecisionData, answers: Answers): string;
export function contributions(data: DecisionData, answers: Answers): Row[];
export function score(data: DecisionData, answers: Answers): Result;
export function outcomeKey(result: Result): string;
export function buildKey(result: Result): string;
export function position(result: Result): number | null;
export function describe(data: DecisionData, result: Result): Texts & { chosen: string };
export function explainConfidence(data: DecisionData, result: Result): string;
export function whatWouldChange(
  data: DecisionData,
  answers: Answers,
  options?: { maxChanges?: number; limit?: number },
): Alternative[];
export function signed(data: DecisionData, points: number): string;
export function answerLabel(data: DecisionData, questionId: string, optionId?: string): string;
export function changeLines(data: DecisionData, changes: Alternative[]): string[];
export function renderAdr(
  template: string,
  data: DecisionData,
  answers: Answers,
  result: Result,
  context: { date: string; link: string; changes?: Alternative[] },
): string;
