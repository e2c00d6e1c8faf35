// One chat room over many instances: Redis pub/sub carries every message.
//
// Each instance keeps its own members; a message goes to Redis, and Redis
// sends it to every instance, which passes it to its members. Also /whoami
// and /busy, which show how several processes share one port (workers.ts).

// --8<-- [start:app]
import type { IncomingMessage, Server } from "node:http";
import { hostname } from "node:os";
import type { Duplex } from "node:stream";
import express from "express";
import { createClient } from "redis";
import { WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import {
  answerParserErrors,
  errorHandler,
  everyParameter,
  methodNotAllowed,
  noRepeatedParameters,
  notFound,
  validationProblem,
} from "../problem-details.ts";
import {
  ConfigError,
  parseConfig,
  Config as UsersConfig,
} from "../users/config.ts";

const CHANNEL = "chat";
const MAX_TEXT = 1000; // characters per chat message
const MAX_BUFFERED = 256 * 1024; // bytes waiting for one member; more: dropped
// INCR and PUBLISH in one step: every instance sees one order of messages.
const PUBLISH = `
local seq = redis.call('INCR', KEYS[1])
local line = cjson.encode({seq = seq, text = ARGV[1], instance = ARGV[2]})
redis.call('PUBLISH', ARGV[3], line)
return seq
`;

const ScalingConfig = UsersConfig.pick({ HOST: true, PORT: true }).extend({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//)
    .default("redis://127.0.0.1:6379/0"),
  INSTANCE: z.string().max(64).default(hostname()),
});
export type ScalingConfig = z.infer<typeof ScalingConfig>;

export function loadConfig(env: NodeJS.ProcessEnv): ScalingConfig {
  return parseConfig(ScalingConfig, env);
}

export async function createChat(config: ScalingConfig) {
  // Commands fail at once while Redis is away, rather than wait in memory.
  const redis = createClient({
    url: config.REDIS_URL,
    disableOfflineQueue: true,
  });
  redis.on("error", () => {}); // each send that needs it closes with 1011
  await redis.connect();
  // A subscribed connection can do nothing else: a second one. node-redis
  // subscribes it again by itself after a reconnect.
  const subscriber = redis.duplicate();
  subscriber.on("error", () => {});
  await subscriber.connect();
  const room = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  await subscriber.subscribe(CHANNEL, (line) => {
    for (const member of room.clients) {
      if (member.readyState !== WebSocket.OPEN) continue;
      if (member.bufferedAmount > MAX_BUFFERED) {
        member.terminate(); // too slow: it misses the rest
        continue;
      }
      member.send(line);
    }
  });

  room.on("connection", (socket: WebSocket) => {
    socket.on("error", () => {}); // ws has sent the close code already
    socket.send(JSON.stringify({ type: "welcome", instance: config.INSTANCE }));
    socket.on("message", async (data, isBinary) => {
      if (isBinary) return socket.close(1003, "text frames only");
      const text = data.toString();
      if ([...text].length > MAX_TEXT) {
        return socket.close(1009, `at most ${MAX_TEXT} characters`);
      }
      try {
        await redis.eval(PUBLISH, {
          keys: ["chat:seq"],
          arguments: [text, config.INSTANCE, CHANNEL],
        });
      } catch {
        socket.close(1011, "chat unavailable");
      }
    });
  });

  return {
    room,
    /** Let `server` hand WebSocket upgrades of /chat to the room. */
    attach(server: Server): void {
      server.on("upgrade", (req: IncomingMessage, sock: Duplex, head) => {
        if (req.url !== "/chat") return sock.destroy();
        room.handleUpgrade(req, sock, head, (ws) =>
          room.emit("connection", ws),
        );
      });
    },
    async close(): Promise<void> {
      for (const member of room.clients) member.close(1001, "going away");
      await Promise.all([redis.close(), subscriber.close()]);
    },
  };
}

export function createApp(config: ScalingConfig): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("strict routing", true);
  app.set("query parser", everyParameter);
  const whoami = { instance: config.INSTANCE, pid: process.pid };
  app
    .route("/healthz")
    .get(noRepeatedParameters, (_req, res) => {
      res.json({ status: "ok" });
    })
    .all(methodNotAllowed("GET, HEAD"));
  app
    .route("/whoami")
    .get(noRepeatedParameters, (_req, res) => {
      res.json(whoami);
    })
    .all(methodNotAllowed("GET, HEAD"));
  app
    .route("/busy")
    .get(noRepeatedParameters, (req, res) => {
      const ms = req.query.ms;
      if (typeof ms !== "string" || !/^(2000|1?[0-9]{1,3})$/.test(ms)) {
        const detail = "must be an integer from 0 to 2000";
        throw validationProblem([{ parameter: "ms", detail }]);
      }
      // Blocks this process's event loop on purpose: while it spins, this
      // process answers nobody, and only another process can.
      const until = performance.now() + Number(ms);
      while (performance.now() < until) {}
      res.json(whoami);
    })
    .all(methodNotAllowed("GET, HEAD"));
  app.use(notFound, errorHandler());
  return app;
}

/** Listen, and on SIGTERM close members (1001) and the server, then exit. */
export async function serve(config: ScalingConfig): Promise<Server> {
  const chat = await createChat(config);
  const server = createApp(config).listen(config.PORT, config.HOST);
  answerParserErrors(server);
  chat.attach(server);
  process.once("SIGTERM", async () => {
    server.close();
    await chat.close();
    process.exit(0);
  });
  return server;
}
// --8<-- [end:app]

// --8<-- [start:main]
if (import.meta.main) {
  try {
    await serve(loadConfig(process.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
// --8<-- [end:main]
