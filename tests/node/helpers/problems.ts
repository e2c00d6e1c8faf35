// One assertion for the 422 problem that every example answers for bad parameters.
import assert from "node:assert/strict";
import type { Response } from "supertest";

type ParameterError = { parameter: string; detail: string };

/** The response is a validation problem naming exactly these parameters. */
export function assertValidationProblem(
  res: Response,
  errors: ParameterError[],
): void {
  assert.match(
    res.headers["content-type"] ?? "",
    /^application\/problem\+json/,
  );
  assert.deepEqual(res.body, {
    type: "/problems/validation-error",
    title: "Unprocessable Content",
    status: 422,
    detail: "The request is invalid.",
    errors,
  });
}
