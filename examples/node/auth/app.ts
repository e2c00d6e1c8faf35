// Sign-in and permissions: accounts, passwords, tokens, and who may do what.
// POST /accounts registers, POST /sessions signs in and returns a JWT, GET /me
// and PATCH /accounts/:id need it, and only the account itself may PATCH.
// Accounts and the sign-in counters live in Redis, shared by every instance.
import { randomBytes } from "node:crypto";
import express, { type NextFunction, type Request } from "express";
import { jwtVerify, SignJWT } from "jose";
import type { Logger } from "pino";
import { z } from "zod";
import { connectRedis, type Redis } from "../caching/cache.ts";
import {
  answerParserErrors,
  errorHandler,
  everyParameter,
  methodNotAllowed,
  noRepeatedParameters,
  notFound,
  Problem,
} from "../problem-details.ts";
import { parse } from "../users/app.ts";
import {
  ConfigError,
  parseConfig,
  Config as UsersConfig,
} from "../users/config.ts";
import {
  bodyLimit,
  createLogger,
  jsonBody,
  requestLog,
  securityHeaders,
} from "../users/middleware.ts";
import { name, UserCreate } from "../users/schemas.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";

// --8<-- [start:settings]
const AuthConfig = UsersConfig.pick({
  HOST: true,
  PORT: true,
  LOG_LEVEL: true,
}).extend({
  // HS256 signs with this secret: at least 32 characters, never a default.
  JWT_SECRET: z.string().min(32),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//)
    .default("redis://127.0.0.1:6379/0"),
  TOKEN_TTL_S: z.coerce.number().int().min(60).max(86_400).default(900),
  SCRYPT_LOG_N: z.coerce.number().int().min(14).max(20).default(17),
  SIGNIN_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  SIGNIN_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(900),
});
export type AuthConfig = z.infer<typeof AuthConfig>;
// --8<-- [end:settings]

// --8<-- [start:schemas]
// isWellFormed: no unpaired surrogates, which Pydantic refuses by itself.
const password = z
  .string()
  .max(128)
  .refine(
    (text) => text.isWellFormed(),
    "must not contain unpaired surrogates",
  );
const AccountCreate = UserCreate.extend({ password: password.min(12) });
const AccountUpdate = z.strictObject({ name });
const SignIn = z.strictObject({
  email: UserCreate.shape.email,
  // Any length up to the limit: a wrong password is a 401, not a 422.
  password,
});
// --8<-- [end:schemas]

const ISSUER = "guide-auth";
const AUDIENCE = "guide-auth";
type Account = Record<string, string>;
const shown = ({ id, email, name }: Account) => ({ id, email, name });

// --8<-- [start:sign-in]
function tooMany(retryAfterMs: number): Problem {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new Problem(429, {
    type: "/problems/too-many-attempts",
    detail: "Too many sign-in attempts for this account; wait and retry.",
    headers: { "Retry-After": String(seconds) },
  });
}

async function signIn(
  redis: Redis,
  config: AuthConfig,
  decoy: Promise<string>,
  body: z.output<typeof SignIn>,
) {
  // Count the attempt before checking it, in one transaction: parallel
  // guesses cannot slip past the limit between a check and an increment.
  const counter = `signin-attempts:${body.email}`;
  const windowMs = config.SIGNIN_WINDOW_S * 1000;
  const [attempts, , ttlMs] = await redis
    .multi()
    .incr(counter)
    .pExpire(counter, windowMs, "NX") // the window's start
    .pTTL(counter)
    .exec();
  if (Number(attempts) > config.SIGNIN_ATTEMPTS) throw tooMany(Number(ttlMs));
  const id = await redis.get(`account-email:${body.email}`);
  const account: Account = id ? await redis.hGetAll(`account:${id}`) : {};
  // An unknown address costs the same hash as a wrong password, and gets
  // the same answer: neither time nor text tells which accounts exist.
  const stored = account.password ?? (await decoy);
  if (!(await verifyPassword(body.password, stored)) || !account.id) {
    throw new Problem(401, {
      type: "/problems/invalid-credentials",
      detail: "The e-mail address or the password is wrong.",
    });
  }
  await redis.del(counter); // the owner is back: a fresh allowance
  const token = await new SignJWT()
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(account.id)
    .setIssuedAt()
    .setExpirationTime(`${config.TOKEN_TTL_S}s`)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .sign(new TextEncoder().encode(config.JWT_SECRET));
  return {
    access_token: token,
    token_type: "Bearer",
    expires_in: config.TOKEN_TTL_S,
  };
}
// --8<-- [end:sign-in]

// --8<-- [start:verify]
function unauthorized(detail: string, error: string | null = "invalid_token") {
  // RFC 6750: say which scheme to use; name the error if a token was sent.
  const challenge = error ? `Bearer error="${error}"` : "Bearer";
  return new Problem(401, {
    type: "/problems/unauthorized",
    detail,
    headers: { "WWW-Authenticate": challenge },
  });
}

/** Middleware: the account whose valid token came with the request, or 401. */
function currentAccount(redis: Redis, config: AuthConfig) {
  const key = new TextEncoder().encode(config.JWT_SECRET);
  return async (req: Request, res: express.Response, next: NextFunction) => {
    const header = req.get("authorization") ?? "";
    const space = header.indexOf(" ");
    const scheme = space < 0 ? header : header.slice(0, space);
    const token = space < 0 ? "" : header.slice(space + 1); // all the rest
    if (scheme.toLowerCase() !== "bearer" || !token) {
      throw unauthorized("Send a bearer token.", null);
    }
    let subject: string | undefined;
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ["HS256"], // never the token's own choice of "alg"
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ["exp", "iat", "sub"],
        clockTolerance: 5, // seconds of clock skew between the instances
        maxTokenAge: config.TOKEN_TTL_S, // also refuses an iat in the future
      });
      subject = payload.sub;
    } catch {
      // Expired, tampered with, signed with another key or algorithm.
      throw unauthorized("The token is invalid or has expired.");
    }
    const account = await redis.hGetAll(`account:${subject}`);
    if (!account.id)
      throw unauthorized("The token's account no longer exists.");
    res.locals.account = account;
    next();
  };
}

function update(redis: Redis) {
  return async (req: Request<{ id: string }>, res: express.Response) => {
    const account: Account = res.locals.account;
    const body = parse(AccountUpdate, req.body, "body");
    // Object-level authorisation (OWASP API1): a valid token is not enough;
    // it must be this account's. Others get 403 whether or not it exists.
    if (req.params.id !== account.id) {
      throw new Problem(403, {
        type: "/problems/forbidden",
        detail: "You may change only your own account.",
      });
    }
    await redis.hSet(`account:${account.id}`, "name", body.name);
    res.json(shown({ ...account, name: body.name }));
  };
}
// --8<-- [end:verify]

// --8<-- [start:app]
export function createApp(
  redis: Redis,
  config: AuthConfig,
  logger: Logger,
): express.Express {
  // A hash of a random password, to check unknown addresses against.
  const decoy = hashPassword(
    randomBytes(16).toString("base64url"),
    config.SCRYPT_LOG_N,
  );
  const authenticated = currentAccount(redis, config);
  const app = express();
  app.disable("x-powered-by");
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  app.set("query parser", everyParameter);
  app.use(securityHeaders, requestLog(logger), bodyLimit);

  app
    .route("/accounts")
    .post(jsonBody, noRepeatedParameters, async (req, res) => {
      const body = parse(AccountCreate, req.body, "body");
      const id = `acc_${randomBytes(12).toString("hex")}`;
      // Hash first: a failed hash then leaves no reservation behind.
      const password = await hashPassword(body.password, config.SCRYPT_LOG_N);
      // NX: of two registrations for one address, one wins.
      const taken = await redis.set(`account-email:${body.email}`, id, {
        condition: "NX",
      });
      if (taken === null) {
        throw new Problem(409, {
          type: "/problems/email-taken",
          detail: "An account with this e-mail address exists.",
        });
      }
      const account = { id, email: body.email, name: body.name, password };
      await redis.hSet(`account:${id}`, account);
      res.status(201).location(`/accounts/${id}`).json(shown(account));
    })
    .all(methodNotAllowed("POST"));

  app
    .route("/sessions")
    .post(jsonBody, noRepeatedParameters, async (req, res) => {
      const body = parse(SignIn, req.body, "body");
      res.json(await signIn(redis, config, decoy, body));
    })
    .all(methodNotAllowed("POST"));

  app
    .route("/me")
    .get(noRepeatedParameters, authenticated, (_req, res) => {
      res.json(shown(res.locals.account));
    })
    .all(methodNotAllowed("GET, HEAD"));

  app
    .route("/accounts/:id")
    .patch(jsonBody, noRepeatedParameters, authenticated, update(redis))
    .all(methodNotAllowed("PATCH"));

  app
    .route("/healthz")
    .get(noRepeatedParameters, (_req, res) => {
      res.json({ status: "ok" });
    })
    .all(methodNotAllowed("GET, HEAD"));

  app.use(notFound, errorHandler(logger));
  return app;
}
// --8<-- [end:app]

// --8<-- [start:main]
if (import.meta.main) {
  let config: AuthConfig;
  try {
    config = parseConfig(AuthConfig, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const app = createApp(connectRedis(config.REDIS_URL, logger), config, logger);
  answerParserErrors(app.listen(config.PORT, config.HOST));
}
// --8<-- [end:main]
