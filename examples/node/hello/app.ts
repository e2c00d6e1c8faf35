// The smallest useful API: a greeting and a health check, with errors as
// RFC 9457 problems.

// --8<-- [start:app]
import express, { type Request, type Response } from "express";
import {
  answerParserErrors,
  errorHandler,
  everyParameter,
  methodNotAllowed,
  noRepeatedParameters,
  notFound,
  validationProblem,
} from "../problem-details.ts";

export const app = express();
app.disable("x-powered-by");
// Match paths exactly, as Starlette does: /HEALTHZ and /healthz/ differ.
app.set("case sensitive routing", true);
app.set("strict routing", true);
// Keep every query parameter, as Starlette does.
app.set("query parser", everyParameter);

// Each route: GET (Express answers HEAD with it), a 422 for a parameter
// given twice, and a 405 for any other method.
app
  .route("/healthz")
  .get(noRepeatedParameters, (_req: Request, res: Response) => {
    res.json({ status: "ok" });
  })
  .all(methodNotAllowed("GET, HEAD"));

app
  .route("/hello")
  .get(noRepeatedParameters, (req: Request, res: Response) => {
    const name = req.query.name ?? "world";
    // Count code points, not UTF-16 units: "👋".length is 2,
    // [..."👋"].length is 1.
    if (
      typeof name !== "string" ||
      [...name].length < 1 ||
      [...name].length > 40
    ) {
      const detail = "must be a string of 1 to 40 characters";
      throw validationProblem([{ parameter: "name", detail }]);
    }
    res.json({ message: `Hello, ${name}!` });
  })
  .all(methodNotAllowed("GET, HEAD"));

// Registered last: every request that no route matched, then every error.
app.use(notFound, errorHandler());
// --8<-- [end:app]

// --8<-- [start:main]
if (import.meta.main) {
  const host = process.env.HOST ?? "127.0.0.1";
  const port = Number(process.env.PORT ?? 8080);
  const server = app.listen(port, host, (error?: Error) => {
    // Express 5 reports a failed listen (EADDRINUSE) here: exit 1 with it.
    if (error) throw error;
    console.log(`listening on http://${host}:${port}`);
  });
  // Requests that Node's HTTP parser refuses get problems too.
  answerParserErrors(server);
}
// --8<-- [end:main]
