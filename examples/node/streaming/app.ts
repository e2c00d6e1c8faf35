// Streaming to clients: Server-Sent Events with back-pressure, and a WebSocket
// chat room.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import express, { type Request, type Response } from "express";
import { WebSocket, WebSocketServer } from "ws";
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
app.set("case sensitive routing", true);
app.set("strict routing", true);
app.set("query parser", everyParameter); // as Starlette: keep every one
// What the server saw, so tests and operators can check it noticed each client.
const stats = {
  streams_open: 0,
  streams_abandoned: 0,
  events_produced: 0,
  chat_members: 0,
  chat_dropped: 0,
};

// Each route: GET (Express answers HEAD with it), a 422 for a parameter
// given twice, and a 405 for any other method.
app
  .route("/healthz")
  .get(noRepeatedParameters, (_req: Request, res: Response) => {
    res.json({ status: "ok" });
  })
  .all(methodNotAllowed("GET, HEAD"));

app
  .route("/stats")
  .get(noRepeatedParameters, (_req: Request, res: Response) => {
    res.json(stats);
  })
  .all(methodNotAllowed("GET, HEAD"));

/** One JSON line on stderr, the same line the Python version writes. */
function log(level: string, event: string, fields: object = {}): void {
  console.error(JSON.stringify({ level, event, ...fields }));
}

// --8<-- [start:params]
type Range = [fallback: number, min: number, max: number];

// ASCII digits only, from min to max, as in the Python version: Number()
// would also take "+5", " 5", "5.0" and "0x5". A parameter given twice never
// gets here: noRepeatedParameters answers 422 first.
function intParams<K extends string>(
  query: Request["query"],
  ranges: Record<K, Range>,
): Record<K, number> {
  const values = {} as Record<K, number>;
  const errors = [];
  for (const [name, [fallback, min, max]] of Object.entries<Range>(ranges)) {
    const given = query[name] ?? String(fallback);
    const n =
      typeof given === "string" && /^[0-9]{1,6}$/.test(given)
        ? Number(given)
        : Number.NaN;
    if (n >= min && n <= max) values[name as K] = n;
    else {
      const detail = `must be an integer from ${min} to ${max}`;
      errors.push({ parameter: name, detail });
    }
  }
  if (errors.length > 0) throw validationProblem(errors);
  return values;
}
// --8<-- [end:params]

// --8<-- [start:sse]
app
  .route("/events")
  .get(noRepeatedParameters, async (req: Request, res: Response) => {
    const { count, interval_ms, pad } = intParams(req.query, {
      count: [10, 1, 1000],
      interval_ms: [100, 0, 1000],
      pad: [0, 0, 65536],
    });
    await streamEvents(res, count, interval_ms, pad);
  })
  .all(methodNotAllowed("GET, HEAD"));

async function streamEvents(
  res: Response,
  count: number,
  intervalMs: number,
  pad: number,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
  });
  stats.streams_open += 1;
  const gone = new AbortController(); // aborts when the client disconnects
  res.on("close", () => gone.abort());
  let finished = false;
  try {
    for (let seq = 1; seq <= count; seq++) {
      stats.events_produced += 1;
      const data = JSON.stringify({ seq, pad: "x".repeat(pad) });
      const event = `id: ${seq}\ndata: ${data}\n\n`;
      // write() returns false once the socket's buffer is full: wait for
      // "drain" before producing more, or a slow client would make this process
      // buffer without limit.
      if (!res.write(event)) await drainOrClose(res, gone.signal);
      await sleep(intervalMs, undefined, { signal: gone.signal });
    }
    res.end();
    finished = true;
  } catch {
    // the client went away: sleep() or drainOrClose() was aborted
  } finally {
    stats.streams_open -= 1;
    if (!finished) {
      stats.streams_abandoned += 1;
      log("info", "client disconnected", { path: "/events" });
    }
  }
}

function drainOrClose(res: Response, gone: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (gone.aborted) return reject(gone.reason);
    const onAbort = () => reject(gone.reason);
    gone.addEventListener("abort", onAbort, { once: true });
    res.once("drain", () => {
      gone.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}
// --8<-- [end:sse]

// --8<-- [start:chat]
const MAX_TEXT = 1000; // characters per chat message
// Bytes waiting for one member; a member this far behind is dropped.
const MAX_BUFFERED = 256 * 1024;
const MAX_FRAME = 64 * 1024; // bytes, as in the Python version
// ws enforces maxPayload itself (closing with 1009); the character limit is
// checked below.
export const chatServer = new WebSocketServer({
  noServer: true,
  maxPayload: MAX_FRAME,
});
let seq = 0;

chatServer.on("connection", (socket: WebSocket) => {
  stats.chat_members = chatServer.clients.size;
  // --8<-- [start:error-listener]
  // A frame that breaks RFC 6455 (or is over maxPayload): ws has already
  // sent the close code; an "error" event without a listener would throw
  // and end the process.
  socket.on("error", (error) => {
    log("warning", "bad websocket frame", { detail: error.message });
  });
  // --8<-- [end:error-listener]
  socket.on("message", (data, isBinary) => {
    if (isBinary) return reject(socket, 1003, "text frames only");
    const text = data.toString();
    if ([...text].length > MAX_TEXT) {
      return reject(socket, 1009, `at most ${MAX_TEXT} characters`);
    }
    seq += 1;
    const line = JSON.stringify({ seq, text });
    // One synchronous loop queues it on every socket: all get lines in order.
    for (const member of chatServer.clients) {
      if (member.readyState !== WebSocket.OPEN) continue;
      // send() never refuses: it buffers; bufferedAmount says how much.
      if (member.bufferedAmount > MAX_BUFFERED) {
        // Too slow: destroy the socket, freeing what it buffered.
        member.terminate();
        stats.chat_dropped += 1;
        continue;
      }
      member.send(line);
    }
  });
  // "close" fires for a clean close and for a dropped connection alike.
  socket.on("close", () => {
    stats.chat_members = chatServer.clients.size;
  });
});

function reject(socket: WebSocket, code: number, reason: string): void {
  log("warning", "bad websocket frame", { detail: reason });
  socket.close(code, reason);
}

// Express leaves the Upgrade handshake alone: the HTTP server hands it to ws.
export function attachChat(server: Server): void {
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url !== "/chat") return socket.destroy();
    chatServer.handleUpgrade(req, socket, head, (ws) =>
      chatServer.emit("connection", ws, req),
    );
  });
}
// --8<-- [end:chat]

// --8<-- [start:errors]
// Registered last: every request that no route matched, then every error.
app.use(notFound, errorHandler());
// --8<-- [end:errors]

if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8080);
  const server = app.listen(port, process.env.HOST ?? "127.0.0.1");
  // Requests that Node's HTTP parser refuses get problems too.
  answerParserErrors(server);
  attachChat(server);
}
