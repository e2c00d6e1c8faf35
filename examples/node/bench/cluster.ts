// The Express bench server as a cluster: BENCH_WORKERS processes (2 by default)
// share one port.

// --8<-- [start:cluster]
import cluster from "node:cluster";

const workers = Number(process.env.BENCH_WORKERS ?? 2);

if (cluster.isPrimary) {
  // The primary accepts connections and hands them to the workers in turn.
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  const { app } = await import("./app.ts");
  app.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? "127.0.0.1");
}
// --8<-- [end:cluster]
