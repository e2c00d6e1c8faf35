// RFC 9457 problem details, shared by the small examples (hello and the concurrency ones).

// --8<-- [start:problem-details]
import type { Request, Response } from "express";

export function problem(res: Response, status: number, title: string, extra: object = {}): void {
  const body = { type: "about:blank", title, status, ...extra };
  res.status(status).type("application/problem+json").send(JSON.stringify(body));
}

export function methodNotAllowed(allow: string) {
  return (_req: Request, res: Response) => {
    res.set("Allow", allow);
    problem(res, 405, "Method Not Allowed");
  };
}

/** Registered last: every request that no route matched. */
export function notFound(_req: Request, res: Response): void {
  problem(res, 404, "Not Found");
}
// --8<-- [end:problem-details]
