// Streaming from a model: tokens from an OpenAI-compatible API to the
// browser. POST /chat sends the prompt on with `stream: true` and relays each
// token as a Server-Sent Event. The client's pace sets the model's
// (back-pressure), a silent model times out, and a client that leaves cancels
// the model's request.
import { once } from "node:events";
import express, { type Request, type Response } from "express";
import OpenAI from "openai";
import type { Logger } from "pino";
import { z } from "zod";
import {
  answerParserErrors,
  errorHandler,
  everyParameter,
  methodNotAllowed,
  noRepeatedParameters,
  notFound,
  Problem,
} from "../problem-details.ts";
import { parse } from "../users/app.ts";
import {
  ConfigError,
  parseConfig,
  Config as UsersConfig,
} from "../users/config.ts";
import {
  bodyLimit,
  createLogger,
  jsonBody,
  requestLog,
  securityHeaders,
} from "../users/middleware.ts";

// --8<-- [start:settings]
const LlmConfig = UsersConfig.pick({
  HOST: true,
  PORT: true,
  LOG_LEVEL: true,
}).extend({
  // Any OpenAI-compatible API: OpenAI's own, a proxy, a local server.
  LLM_URL: z
    .string()
    .regex(/^https?:\/\//)
    .default("http://127.0.0.1:11434/v1"),
  LLM_API_KEY: z.string().min(1).default("unused"), // local servers ignore it
  LLM_MODEL: z.string().min(1).default("local"),
  // The longest the model may stay silent: before it answers, and between
  // two chunks of its stream.
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
});
export type LlmConfig = z.infer<typeof LlmConfig>;
// --8<-- [end:settings]

// --8<-- [start:request]
// Lengths count code points, as Python's do.
const ChatRequest = z.strictObject({
  prompt: z
    .string()
    .min(1)
    .max(4000)
    .refine(
      (text) => text.isWellFormed(),
      "must not contain unpaired surrogates",
    ),
});
// --8<-- [end:request]

// --8<-- [start:open]
/** Open the model's stream; a model that fails to start is a problem.
 * `undefined` if the client left first. */
async function openStream(
  model: OpenAI,
  config: LlmConfig,
  prompt: string,
  signal: AbortSignal,
) {
  try {
    return await model.chat.completions.create(
      {
        model: config.LLM_MODEL,
        messages: [{ role: "user", content: prompt }],
        stream: true,
      },
      { signal },
    );
  } catch (error) {
    if (error instanceof OpenAI.APIConnectionTimeoutError) {
      const detail = `the model sent nothing for ${config.LLM_TIMEOUT_MS} ms`;
      throw new Problem(504, { detail });
    }
    if (signal.aborted) return undefined; // the client left: nobody to tell
    if (error instanceof OpenAI.APIError && error.status !== undefined) {
      throw new Problem(502, { detail: `the model answered ${error.status}` });
    }
    throw new Problem(502, { detail: "the model could not be reached" });
  }
}
// --8<-- [end:open]

// --8<-- [start:relay]
type Stream = NonNullable<Awaited<ReturnType<typeof openStream>>>;

const event = (name: string, data: object) =>
  `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/** Each token as an event; then `done`, or `error` if the stream broke. */
async function relay(
  stream: Stream,
  res: Response,
  timeoutMs: number,
  gone: AbortSignal,
): Promise<void> {
  // The SDK's timeout ends once the model's headers arrive. This one covers
  // each wait for the model's next chunk, as Python's per-read timeout does,
  // and not the waits for a slow client.
  let timer: NodeJS.Timeout | undefined;
  let silent = false;
  const waitForModel = () => {
    timer = setTimeout(() => {
      silent = true;
      stream.controller.abort(); // the SDK's iterator then just ends
    }, timeoutMs);
  };
  let finish: string | null = null;
  let broken = false;
  try {
    waitForModel();
    for await (const chunk of stream) {
      clearTimeout(timer);
      for (const choice of chunk.choices) {
        const text = choice.delta.content;
        // write() returns false once the socket's buffer is full: wait for
        // "drain" before reading on, so the model's stream waits in its
        // own buffers (back-pressure end to end).
        if (text && !res.write(event("token", { text }))) {
          await once(res, "drain", { signal: gone });
        }
        finish = choice.finish_reason ?? finish;
      }
      waitForModel();
    }
  } catch {
    broken = true;
  } finally {
    clearTimeout(timer);
  }
  // The client left: the SDK has closed the model's stream, so nothing more
  // comes (the iteration just ends, or the wait for "drain" throws).
  if (gone.aborted) return;
  if (silent) {
    const detail = `the model sent nothing for ${timeoutMs} ms`;
    res.end(event("error", { status: 504, detail }));
  } else if (broken) {
    const detail = "the model's stream broke off";
    res.end(event("error", { status: 502, detail }));
  } else {
    res.end(event("done", { finish_reason: finish }));
  }
}
// --8<-- [end:relay]

// --8<-- [start:app]
export function createApp(config: LlmConfig, logger: Logger): express.Express {
  // One client, one connection pool. No retries: once a token has gone out,
  // a retry would send the reader a second answer.
  const model = new OpenAI({
    baseURL: config.LLM_URL,
    apiKey: config.LLM_API_KEY,
    timeout: config.LLM_TIMEOUT_MS,
    maxRetries: 0,
  });
  const app = express();
  app.disable("x-powered-by");
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  app.set("query parser", everyParameter);
  app.use(securityHeaders, requestLog(logger), bodyLimit);

  app
    .route("/chat")
    .post(jsonBody, noRepeatedParameters, async (req, res) => {
      const { prompt } = parse(ChatRequest, req.body, "body");
      // Aborts when the client hangs up: the SDK then closes the model's
      // connection, so the model stops generating.
      const gone = new AbortController();
      res.on("close", () => gone.abort());
      const stream = await openStream(model, config, prompt, gone.signal);
      if (!stream) return;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no", // nginx: pass each event on at once
      });
      await relay(stream, res, config.LLM_TIMEOUT_MS, gone.signal);
    })
    .all(methodNotAllowed("POST"));

  app
    .route("/healthz")
    .get(noRepeatedParameters, (_req: Request, res: Response) => {
      res.json({ status: "ok" });
    })
    .all(methodNotAllowed("GET, HEAD"));

  app.use(notFound, errorHandler(logger));
  return app;
}
// --8<-- [end:app]

// --8<-- [start:main]
if (import.meta.main) {
  let config: LlmConfig;
  try {
    config = parseConfig(LlmConfig, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const app = createApp(config, createLogger(config.LOG_LEVEL));
  answerParserErrors(app.listen(config.PORT, config.HOST));
}
// --8<-- [end:main]
