// Every error leaves as an RFC 9457 problem; nothing else reaches the client.

// --8<-- [start:problems]
import { STATUS_CODES } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import type { z } from "zod";

const TITLES: Record<number, string> = {
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
};

type ErrorItem = { pointer: string; detail: string } | { parameter: string; detail: string };

/** Throw anywhere to answer with a problem; `type` defaults to the bare HTTP status. */
export class Problem extends Error {
  readonly status: number;
  readonly type: string;
  readonly detail?: string;
  readonly errors: ErrorItem[] = [];

  constructor(status: number, options: { type?: string; detail?: string } = {}) {
    super(options.detail ?? STATUS_CODES[status]);
    this.status = status;
    this.type = options.type ?? "about:blank";
    this.detail = options.detail;
  }
}

export function sendProblem(res: Response, problem: Problem): void {
  const title = TITLES[problem.status] ?? STATUS_CODES[problem.status];
  const body = {
    type: problem.type,
    title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    ...(problem.errors.length ? { errors: problem.errors } : {}),
  };
  res.status(problem.status).type("application/problem+json").send(JSON.stringify(body));
}

// A JSON Pointer (RFC 6901) into the request body.
const pointer = (path: PropertyKey[]) =>
  path.map((part) => `/${String(part).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");

export function validationProblem(error: z.ZodError, where: "body" | "query"): Problem {
  const problem = new Problem(422, { type: "/problems/validation-error", detail: "The request is invalid." });
  for (const issue of error.issues) {
    // Zod reports all unknown keys in one issue; Pydantic, like this, one per key.
    const paths = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    for (const path of paths) {
      const detail = issue.code === "unrecognized_keys" ? "is not a known field" : issue.message;
      problem.errors.push(where === "body" ? { pointer: pointer(path), detail } : { parameter: String(path[0]), detail });
    }
  }
  return problem;
}

export function methodNotAllowed(allow: string) {
  return (_req: Request, res: Response) => {
    res.set("Allow", allow);
    sendProblem(res, new Problem(405));
  };
}

export function notFound(_req: Request, res: Response): void {
  sendProblem(res, new Problem(404));
}

/** Registered last. The stack trace goes to the log; the client learns nothing about code or SQL. */
export function errorHandler(logger: Logger) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof Problem) return sendProblem(res, error);
    const type = (error as { type?: string }).type;
    if (type === "entity.too.large") {
      const limit = (error as { limit?: number }).limit;
      return sendProblem(res, new Problem(413, { detail: `The body must not exceed ${limit} bytes.` }));
    }
    logger.error({ err: error, request_id: res.locals.requestId }, "unhandled error");
    sendProblem(res, new Problem(500, { detail: "An unexpected error occurred." }));
  };
}
// --8<-- [end:problems]
