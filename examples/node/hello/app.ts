// The smallest useful API: a greeting and a health check, with errors as RFC 9457 problems.

// --8<-- [start:app]
import express, { type Request, type Response } from "express";
import { methodNotAllowed, notFound, problem } from "../problem-details.ts";

export const app = express();
app.disable("x-powered-by");
// Match paths exactly, as Starlette does: /HEALTHZ and /healthz/ are other routes.
app.set("case sensitive routing", true);
app.set("strict routing", true);

app
  .route("/healthz")
  .get((_req: Request, res: Response) => {
    res.json({ status: "ok" });
  })
  .all(methodNotAllowed("GET"));

app
  .route("/hello")
  .get((req: Request, res: Response) => {
    const name = req.query.name ?? "world";
    // Count code points, not UTF-16 units: "👋".length is 2, [..."👋"].length is 1.
    if (typeof name !== "string" || [...name].length < 1 || [...name].length > 40) {
      problem(res, 422, "Unprocessable Content", {
        errors: [{ parameter: "name", detail: "must be a string of 1 to 40 characters" }],
      });
      return;
    }
    res.json({ message: `Hello, ${name}!` });
  })
  .all(methodNotAllowed("GET"));

app.use(notFound); // registered last: every request no route matched
// --8<-- [end:app]

// --8<-- [start:main]
if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8080);
  app.listen(port, process.env.HOST ?? "127.0.0.1", () => {
    console.log(`listening on http://${process.env.HOST ?? "127.0.0.1"}:${port}`);
  });
}
// --8<-- [end:main]
