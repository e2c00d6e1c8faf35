// Request ids and access logs, security headers, the body limit, JSON parsing.

import { randomUUID } from "node:crypto";
import express, {
  type NextFunction,
  type Request,
  type Response,
} from "express";
import helmet from "helmet";
import { type Logger, pino } from "pino";
import { Problem } from "../problem-details.ts";

// --8<-- [start:security]
// helmet's defaults, with a Content-Security-Policy for a JSON API, not a page.
export const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
});
// --8<-- [end:security]

// --8<-- [start:body-limit]
export const MAX_BODY_BYTES = 16 * 1024;

// Every body, of any type, is read as bytes up to the limit; over it is a 413.
export const bodyLimit = express.raw({
  type: () => true,
  limit: MAX_BODY_BYTES,
  inflate: false,
});

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const MALFORMED = "/problems/malformed-json";
const MAX_DEPTH = 32; // the Python version's limit too
const STRINGS = /"(?:[^"\\]|\\.)*"/g;

/** How deep arrays and objects nest, counting brackets outside strings.
 * Python's parser fails near 1,000 levels, JavaScript's much deeper; a limit
 * of their own makes the two agree. */
function nesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const bracket of text.replace(STRINGS, "").replace(/[^[\]{}]/g, "")) {
    depth += bracket === "[" || bracket === "{" ? 1 : -1;
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

/** Check a body's media type and syntax before the schema checks its fields. */
export function jsonBody(
  req: Request,
  _res: Response,
  next: NextFunction,
): void {
  const mediaType = (req.get("content-type") ?? "")
    .split(";")[0]
    ?.trim()
    .toLowerCase();
  if (mediaType !== "application/json") {
    throw new Problem(415, { detail: "Send the body as application/json." });
  }
  const raw: unknown = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) {
    throw new Problem(400, { type: MALFORMED, detail: "The body is empty." });
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new Problem(400, {
      type: MALFORMED,
      detail: "The body is not valid JSON.",
    });
  }
  if (nesting(text) > MAX_DEPTH) {
    const detail = `The body nests deeper than ${MAX_DEPTH} levels.`;
    throw new Problem(400, { type: MALFORMED, detail });
  }
  try {
    req.body = JSON.parse(text);
  } catch {
    throw new Problem(400, {
      type: MALFORMED,
      detail: "The body is not valid JSON.",
    });
  }
  next();
}
// --8<-- [end:body-limit]

// --8<-- [start:request-log]
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/; // others could forge log lines
const CLIENT_CLOSED = 499;
const LEVELS = {
  debug: "debug",
  info: "info",
  warning: "warn",
  error: "error",
} as const;

export function createLogger(level: keyof typeof LEVELS): Logger {
  return pino({
    level: LEVELS[level],
    base: undefined,
    messageKey: "event",
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** Give each request an id (the caller's X-Request-ID if sane) and log one
 * JSON line. */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.get("x-request-id") ?? "";
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.set("X-Request-ID", requestId);
    const started = performance.now();
    // "close" also comes when the client leaves before the answer; 499 is
    // nginx's "client closed request", for the log line only.
    res.on("close", () => {
      const { method, path } = req;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
      const duration_ms = Math.round((performance.now() - started) * 10) / 10;
      const fields = {
        request_id: requestId,
        method,
        path,
        status,
        duration_ms,
      };
      logger.info(fields, "request");
    });
    next();
  };
}
// --8<-- [end:request-log]
