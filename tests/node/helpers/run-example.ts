// Run an example as a plain process, as `node examples/node/<topic>/app.ts`
// does, on a free port of 127.0.0.1; wait until it answers; stop it with
// SIGTERM. Every topic's tests use this one helper, so each example is
// started, polled and stopped alike.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PRELOAD = new URL("coverage-on-sigterm.ts", import.meta.url).href;

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** A new empty directory, removed when the test `t` has finished. */
export function scratchDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A TCP port on 127.0.0.1 that is free right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === "string") {
    throw new Error("no TCP port");
  }
  return address.port;
}

export class ExampleProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Settles once the process has exited: its status, or its signal. */
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  #output = "";

  constructor(file: string, port: number, env: Record<string, string>) {
    this.url = `http://127.0.0.1:${port}`;
    const inherited = { ...process.env };
    delete inherited.NODE_TEST_CONTEXT; // the example is no test file
    this.child = spawn(process.execPath, ["--import", PRELOAD, file], {
      cwd: ROOT,
      env: { ...inherited, HOST: "127.0.0.1", PORT: String(port), ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // a process group of its own: stop() ends all of it
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (text: string) => {
        this.#output += text;
      });
    }
    // "close" comes after "exit", once the output has been read to its end.
    this.exited = once(this.child, "close").then(([code, signal]) => {
      this.#exit = { code, signal };
      return this.#exit;
    });
  }

  /** Everything the process has printed so far, stdout and stderr. */
  output(): string {
    return this.#output;
  }

  /** Poll `path` until it answers 200; fail if the process exits first. */
  async ready(path = "/healthz", timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exit) {
        const status = JSON.stringify(this.#exit);
        throw new Error(`exited ${status} first:\n${this.#output}`);
      }
      try {
        const res = await fetch(`${this.url}${path}`, {
          signal: AbortSignal.timeout(1000),
        });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    const url = `${this.url}${path}`;
    throw new Error(`${url} not ready in ${timeoutMs} ms:\n${this.#output}`);
  }

  /** Wait until the output contains `text`: a log line may follow a reply. */
  async printed(text: string, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#output.includes(text)) {
      if (Date.now() > deadline) {
        const wanted = JSON.stringify(text);
        throw new Error(`${wanted} not printed:\n${this.#output}`);
      }
      await sleep(20);
    }
    return this.#output;
  }

  /** SIGTERM the example; wait for it and whatever it started; say how it
   * ended. After `timeoutMs`, SIGKILL ends the whole process group. */
  async stop(timeoutMs = 10_000): Promise<Exit> {
    if (!this.#exit) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.#signalGroup("SIGKILL"), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    // What it started (cluster workers) leaves when it has gone: wait a bit.
    const deadline = Date.now() + 5000;
    while (this.#signalGroup(0) && Date.now() < deadline) await sleep(50);
    this.#signalGroup("SIGKILL");
    return exit;
  }

  /** Signal the example's process group; false when no process is left. */
  #signalGroup(signal: NodeJS.Signals | 0): boolean {
    if (this.child.pid === undefined) return false;
    try {
      process.kill(-this.child.pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** Start an example (a path from the repository's root); don't wait. */
export async function launchExample(
  file: string,
  env: Record<string, string> = {},
): Promise<ExampleProcess> {
  return new ExampleProcess(file, await freePort(), env);
}

/** Start an example (a path from the repository's root) and wait until its
 * /healthz answers. */
export async function startExample(
  file: string,
  env: Record<string, string> = {},
): Promise<ExampleProcess> {
  const example = await launchExample(file, env);
  try {
    await example.ready();
  } catch (error) {
    await example.stop();
    throw error;
  }
  return example;
}
