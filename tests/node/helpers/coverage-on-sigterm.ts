// Preloaded (`node --import`) into every example that a test runs as a
// process (run-example.ts).
//
// Node writes a process's coverage (NODE_V8_COVERAGE, which `node --test
// --experimental-test-coverage` sets and child processes inherit) when the
// process exits, but not when a signal kills it; and an example without a
// SIGTERM handler of its own is killed by SIGTERM. So write the coverage
// first, then let SIGTERM do what it would have done without this file. An
// example that handles SIGTERM itself (shutdown) is left alone: it exits by
// itself, and that writes its coverage.
import { takeCoverage } from "node:v8";

process.once("SIGTERM", () => {
  if (process.listenerCount("SIGTERM") > 0) return; // the example's own runs
  takeCoverage(); // a no-op when NODE_V8_COVERAGE is not set
  // With no listener left, the signal's default action applies: death.
  process.kill(process.pid, "SIGTERM");
});
