// A fake model for the llm tests: an OpenAI-compatible chat API on 127.0.0.1,
// the twin of tests/contract/model_upstream.py. It streams one
// chat.completion.chunk per token, then `data: [DONE]`, as OpenAI's API does;
// `script` sets the tokens, the pause before each chunk, an error status, a
// stall or a cut. It counts the chunks it wrote (`sent`) and the callers that
// hung up before the end (`cancelled`).
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Script = {
  tokens: string[];
  pauseMs: number; // before each chunk
  headPauseMs: number; // before the status line
  status: number; // anything else than 200: an OpenAI-style error body
  stallAfter?: number; // send this many tokens, then nothing
  cutAfter?: number; // send this many tokens, then hang up
};

const DEFAULT: Script = {
  tokens: ["Hello", ",", " world", "!"],
  pauseMs: 0,
  headPauseMs: 0,
  status: 200,
};

const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model: "fake",
    choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`;

export class FakeModel {
  script: Script = DEFAULT;
  requests: Record<string, unknown>[] = [];
  sent = 0;
  completed = 0;
  cancelled = 0;
  readonly #server = http.createServer((req, res) => this.#answer(req, res));

  async start(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.#server.listen(0, "127.0.0.1", resolve),
    );
  }

  /** The base URL an OpenAI client takes. */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  reset(script: Partial<Script> = {}): void {
    this.script = { ...DEFAULT, ...script };
    this.requests = [];
    this.sent = this.completed = this.cancelled = 0;
  }

  stop(): void {
    this.#server.closeAllConnections();
    this.#server.close();
  }

  async #answer(req: http.IncomingMessage, res: http.ServerResponse) {
    const script = this.script;
    let body = "";
    for await (const part of req) body += part;
    this.requests.push({
      ...JSON.parse(body),
      authorization: req.headers.authorization,
    });
    let finished = false;
    res.on("close", () => {
      if (!finished) this.cancelled += 1;
    });
    const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));
    await wait(script.headPauseMs);
    if (res.destroyed) return;
    if (script.status !== 200) {
      finished = true;
      res.writeHead(script.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "the fake model refuses" } }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const frames = [
      chunk({ role: "assistant" }),
      ...script.tokens.map((content) => chunk({ content })),
      chunk({}, "stop"),
      "data: [DONE]\n\n",
    ];
    for (const [count, frame] of frames.entries()) {
      if (script.stallAfter !== undefined && count > script.stallAfter) return;
      if (script.cutAfter !== undefined && count > script.cutAfter) {
        finished = true; // our own doing, not the caller's
        res.socket?.end(); // after what was written, but no last chunk
        return;
      }
      await wait(script.pauseMs);
      if (res.destroyed) return;
      res.write(frame);
      this.sent += 1;
    }
    finished = true;
    this.completed += 1;
    res.end();
  }
}
