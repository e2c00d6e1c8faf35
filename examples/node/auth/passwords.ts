// Password hashing with scrypt, from node:crypto. A stored hash names its own
// parameters, `scrypt$ln=17,r=8,p=1$salt$hash`, so a hash made with other
// settings still verifies; the Python twin writes and reads the same format.

// --8<-- [start:passwords]
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

// OWASP's minimum for scrypt: N = 2^17, r = 8, p = 1 (128 MiB per hash).
const R = 8;
const P = 1;
const KEY_BYTES = 32;

function derive(
  password: string,
  salt: Buffer,
  logN: number,
  r: number,
  p: number,
) {
  const memory = 128 * r * 2 ** logN; // bytes scrypt needs, per its RFC
  // The callback form runs on libuv's thread pool: the event loop keeps
  // serving other requests meanwhile. maxmem: the default, 32 MiB, is too
  // small for 2^17.
  return scryptAsync(password, salt, KEY_BYTES, {
    N: 2 ** logN,
    r,
    p,
    maxmem: 2 * memory,
  });
}

export async function hashPassword(password: string, logN: number) {
  const salt = randomBytes(16);
  const key = await derive(password, salt, logN, R, P);
  const b64 = (data: Buffer) => data.toString("base64");
  return `scrypt$ln=${logN},r=${R},p=${P}$${b64(salt)}$${b64(key)}`;
}

export async function verifyPassword(password: string, stored: string) {
  const [, params = "", salt = "", expected = ""] = stored.split("$");
  const cost = Object.fromEntries(
    params.split(",").map((item) => item.split("=")),
  );
  const key = await derive(
    password,
    Buffer.from(salt, "base64"),
    Number(cost.ln),
    Number(cost.r),
    Number(cost.p),
  );
  // Compares every byte whatever the first difference: no timing signal.
  // timingSafeEqual throws on different lengths (a damaged hash): check first.
  const want = Buffer.from(expected, "base64");
  return key.length === want.length && timingSafeEqual(key, want);
}
// --8<-- [end:passwords]
