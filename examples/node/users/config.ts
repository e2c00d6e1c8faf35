// Configuration from the environment, validated once at start-up.

// --8<-- [start:config]
import { z } from "zod";

export const Config = z.object({
  // Not the Python twin's file: each runtime migrates its own database.
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite|postgresql):\/\//)
    .default("sqlite:///users-node.db"),
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  LOG_LEVEL: z.enum(["debug", "info", "warning", "error"]).default("info"),
});
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  return parseConfig(Config, env);
}

/** The environment, validated by `schema`: the caching example's too. */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv,
): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    // One line per bad variable, named as the operator wrote it: no traceback.
    const lines = result.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  return result.data;
}
// --8<-- [end:config]
