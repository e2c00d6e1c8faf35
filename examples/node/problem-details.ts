// RFC 9457 problem details for every example: nothing but a problem reaches the
// client. One module for all topics, so every example answers errors in the
// same shape, and in the same shape as examples/python/problem_details.py.

// --8<-- [start:problem-details]
import { type Server, type ServerResponse, STATUS_CODES } from "node:http";
import { parse } from "node:querystring";
import type { Duplex } from "node:stream";
import type { NextFunction, Request, Response } from "express";
import type { z } from "zod";

const TITLES: Record<number, string> = {
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
};

type ErrorItem =
  | { pointer: string; detail: string }
  | { parameter: string; detail: string };

/** Throw anywhere to answer with a problem; `type` defaults to the status. */
export class Problem extends Error {
  readonly status: number;
  readonly type: string;
  readonly detail?: string;
  readonly errors: ErrorItem[] = [];
  readonly headers: Record<string, string>; // e.g. Retry-After

  constructor(
    status: number,
    options: {
      type?: string;
      detail?: string;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(options.detail ?? STATUS_CODES[status]);
    this.status = status;
    this.type = options.type ?? "about:blank";
    this.detail = options.detail;
    this.headers = options.headers ?? {};
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
  res
    .set(problem.headers)
    .status(problem.status)
    .type("application/problem+json")
    .send(JSON.stringify(body));
}

/** A 422 naming each bad body field (a JSON Pointer) or query parameter. */
export function validationProblem(errors: ErrorItem[]): Problem {
  const problem = new Problem(422, {
    type: "/problems/validation-error",
    detail: "The request is invalid.",
  });
  problem.errors.push(...errors);
  return problem;
}

// A JSON Pointer (RFC 6901) into the request body.
const escapeKey = (key: PropertyKey) =>
  String(key).replaceAll("~", "~0").replaceAll("/", "~1");
const pointer = (path: PropertyKey[]) =>
  path.map((key) => `/${escapeKey(key)}`).join("");

/** Zod's issues as error items, one per field or parameter. */
export function zodErrors(
  error: z.ZodError,
  where: "body" | "query",
): ErrorItem[] {
  return error.issues.flatMap((issue) => {
    // Zod puts all unknown keys in one issue; Pydantic, like this, one per key.
    const unknown = issue.code === "unrecognized_keys";
    const paths = unknown
      ? issue.keys.map((key) => [...issue.path, key])
      : [issue.path];
    const detail = unknown ? "is not a known field" : issue.message;
    return paths.map((path) =>
      where === "body"
        ? { pointer: pointer(path), detail }
        : { parameter: String(path[0]), detail },
    );
  });
}

/** Express's "query parser": every parameter, as Starlette keeps them; Node's
 * own parser drops all after the first 1000. */
export function everyParameter(query: string) {
  return parse(query, "&", "=", { maxKeys: 0 });
}

/** A query parameter given twice is ambiguous: a 422, as in the Python twin
 * (Express alone would hand the route an array). */
export function noRepeatedParameters(
  req: Request,
  _res: Response,
  next: NextFunction,
): void {
  const repeated = Object.keys(req.query)
    .filter((name) => Array.isArray(req.query[name]))
    .sort();
  if (repeated.length > 0) {
    const detail = "must be given once";
    throw validationProblem(
      repeated.map((parameter) => ({ parameter, detail })),
    );
  }
  next();
}

export function methodNotAllowed(allow: string) {
  return (_req: Request, res: Response) => {
    res.set("Allow", allow);
    sendProblem(res, new Problem(405));
  };
}

/** Registered after the routes: every request that no route matched. */
export function notFound(_req: Request, res: Response): void {
  sendProblem(res, new Problem(404));
}

export const ENCODING_DETAIL = "Send the body without a Content-Encoding.";

type ErrorLog = { error(fields: object, message: string): void };

/** Registered last. The stack trace goes to the log; the client learns nothing
 * about code or SQL. */
export function errorHandler(logger: ErrorLog = console) {
  return (
    error: unknown,
    _req: Request,
    res: Response,
    _next: NextFunction,
  ) => {
    if (error instanceof Problem) return sendProblem(res, error);
    // A path segment that is not percent-encoded UTF-8 (/users/%FF): Express
    // cannot decode it; it names nothing, a 404 as in the Python twin.
    if (error instanceof URIError) return sendProblem(res, new Problem(404));
    const { type, limit, status } = (error ?? {}) as {
      type?: string;
      limit?: number;
      status?: number;
    };
    // express.raw() rejects a body over its limit with this type.
    if (type === "entity.too.large") {
      const detail = `The body must not exceed ${limit} bytes.`;
      return sendProblem(res, new Problem(413, { detail }));
    }
    // ... and a compressed body (inflate: false) with this one.
    if (type === "encoding.unsupported") {
      res.set("Accept-Encoding", "identity"); // RFC 7694
      return sendProblem(res, new Problem(415, { detail: ENCODING_DETAIL }));
    }
    // Express's other client errors (an aborted body, ...) keep their status.
    if (status !== undefined && status >= 400 && status < 500) {
      return sendProblem(res, new Problem(status));
    }
    const fields = { err: error, request_id: res.locals.requestId };
    logger.error(fields, "unhandled error");
    const detail = "An unexpected error occurred.";
    sendProblem(res, new Problem(500, { detail }));
  };
}
// --8<-- [end:problem-details]

// --8<-- [start:parser-errors]
/** Requests that Node's own HTTP parser refuses never reach Express; Node
 * answers them with a bare status line. Answer them with a problem too. */
export function answerParserErrors(server: Server): Server {
  // Node's status for each parser error (lib/_http_server.js); else 400.
  const statuses: Record<string, number> = {
    HPE_HEADER_OVERFLOW: 431, // over 16 KiB or 1,000 fields of headers
    HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
    ERR_HTTP_REQUEST_TIMEOUT: 408,
  };
  server.on("clientError", (error, socket: Duplex) => {
    if (socket.writableEnded) return; // answered already: closing
    // The response Node is writing on this connection: once its head is
    // out, more bytes would corrupt it. Node's default checks it too.
    const writing = (socket as { _httpMessage?: ServerResponse | null })
      ._httpMessage;
    if (!socket.writable || writing?.headersSent) {
      socket.destroy();
      return;
    }
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const status = statuses[code] ?? 400;
    const title = TITLES[status] ?? STATUS_CODES[status];
    const body = JSON.stringify({ type: "about:blank", title, status });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\n` +
        "Content-Type: application/problem+json; charset=utf-8\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        "Connection: close\r\n\r\n" +
        body,
    );
  });
  return server;
}
// --8<-- [end:parser-errors]
