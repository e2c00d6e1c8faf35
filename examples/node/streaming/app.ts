// Streaming to clients: Server-Sent Events with back-pressure, and a WebSocket
// chat room.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import express, { type Request, type Response } from "express";
import { WebSocket, WebSocketServer } from "ws";
import {
  errorHandler,
  notFound,
  validationProblem,
} from "../problem-details.ts";

export const app = express();
app.disable("x-powered-by");
app.set("case sensitive routing", true);
app.set("strict routing", true);
// What the server saw, so tests and operators can check it noticed each client.
const stats = {
  streams_open: 0,
  streams_abandoned: 0,
  events_produced: 0,
  chat_members: 0,
  chat_dropped: 0,
};

app.get("/healthz", (_req: Request, res: Response) => {
  res.json({ status: "ok" });
});

app.get("/stats", (_req: Request, res: Response) => {
  res.json(stats);
});

// --8<-- [start:sse]
app.get("/events", async (req: Request, res: Response) => {
  const count = intParam(req.query.count, 10, 1, 1000);
  const intervalMs = intParam(req.query.interval_ms, 100, 0, 1000);
  const pad = intParam(req.query.pad, 0, 0, 65536);
  const given = { count, interval_ms: intervalMs, pad };
  const bad = Object.entries(given).filter(([, value]) => value === undefined);
  if (bad.length > 0) {
    const detail = "out of range or not an integer";
    throw validationProblem(bad.map(([parameter]) => ({ parameter, detail })));
  }
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
  });
  stats.streams_open += 1;
  const gone = new AbortController(); // aborts when the client disconnects
  res.on("close", () => gone.abort());
  let finished = false;
  try {
    for (let seq = 1; seq <= Number(count); seq++) {
      stats.events_produced += 1;
      const data = JSON.stringify({ seq, pad: "x".repeat(Number(pad)) });
      const event = `id: ${seq}\ndata: ${data}\n\n`;
      // write() returns false once the socket's buffer is full: wait for
      // "drain" before producing more, or a slow client would make this process
      // buffer without limit.
      if (!res.write(event)) await drainOrClose(res, gone.signal);
      await sleep(Number(intervalMs), undefined, { signal: gone.signal });
    }
    res.end();
    finished = true;
  } catch {
    // the client went away: sleep() or drainOrClose() was aborted
  } finally {
    stats.streams_open -= 1;
    if (!finished) stats.streams_abandoned += 1;
  }
});

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
// ws enforces maxPayload itself (closing with 1009); the character limit is
// checked below.
export const chatServer = new WebSocketServer({
  noServer: true,
  maxPayload: 64 * 1024,
});
let seq = 0;

chatServer.on("connection", (socket: WebSocket) => {
  stats.chat_members = chatServer.clients.size;
  socket.on("message", (data, isBinary) => {
    if (isBinary) return socket.close(1003, "text frames only");
    const text = data.toString();
    if ([...text].length > MAX_TEXT) {
      return socket.close(1009, `at most ${MAX_TEXT} characters`);
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
function intParam(
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !/^\d{1,6}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

// Registered last: every request that no route matched, then every error.
app.use(notFound, errorHandler());
// --8<-- [end:errors]

if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8080);
  attachChat(app.listen(port, process.env.HOST ?? "127.0.0.1"));
}
