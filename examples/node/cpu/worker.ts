// Runs in a worker thread: its own V8 isolate and event loop, so burning CPU
// here leaves the main thread free. It receives jobs as messages and answers
// each with the result.
// --8<-- [start:worker]
import { parentPort } from "node:worker_threads";
import { burn } from "./burn.ts";

parentPort?.on("message", (ms: number) => {
  parentPort?.postMessage(burn(ms));
});
// --8<-- [end:worker]
