// The users API as its image runs it (Dockerfile, beside this file).
//
// It runs as the container's process 1, and Node.js as process 1 does not
// stop on SIGTERM unless it handles the signal: without the handler below,
// `docker stop` would wait out its 10 s and then kill the process.

// --8<-- [start:main]
import { answerParserErrors } from "../problem-details.ts";
import { createApp } from "../users/app.ts";
import { type Config, ConfigError, loadConfig } from "../users/config.ts";
import { migrate, openDatabase } from "../users/db.ts";
import { createLogger } from "../users/middleware.ts";

const GRACE_MS = 10_000; // as uvicorn's timeout_graceful_shutdown

if (import.meta.main) {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const db = openDatabase(config.DATABASE_URL);
  try {
    await migrate(db);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`cannot use the database: ${reason.split("\n")[0]}`);
    process.exit(1);
  }
  const app = createApp(db, createLogger(config.LOG_LEVEL));
  const server = answerParserErrors(app.listen(config.PORT, config.HOST));
  process.once("SIGTERM", () => {
    // Stop accepting; let requests in flight finish, at most GRACE_MS.
    setTimeout(() => server.closeAllConnections(), GRACE_MS).unref();
    server.close(async () => {
      await db.destroy();
      process.exit(0);
    });
  });
}
// --8<-- [end:main]
