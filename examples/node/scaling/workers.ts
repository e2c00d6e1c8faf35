// Several processes on one port: node:cluster forks WORKERS copies of app.ts.
//
// One Node.js process runs one event loop on one core; to use more cores, run
// more processes. The primary opens the port and hands connections to the
// workers in turn, and forks a new worker when one dies.

// --8<-- [start:workers]
import cluster from "node:cluster";
import { loadConfig, serve } from "./app.ts";

if (cluster.isPrimary) {
  const count = Number(process.env.WORKERS ?? 2);
  for (let i = 0; i < count; i++) cluster.fork();
  let stopping = false;
  cluster.on("exit", () => {
    if (!stopping) cluster.fork(); // replace a worker that died
  });
  process.once("SIGTERM", () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) {
      worker?.process.kill("SIGTERM");
    }
    cluster.on("exit", () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
} else {
  await serve(loadConfig(process.env));
}
// --8<-- [end:workers]
