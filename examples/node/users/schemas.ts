// What the API accepts and returns. Unknown fields are rejected: no mass
// assignment.

// --8<-- [start:schemas]
import { z } from "zod";

// The WHATWG HTML definition of a valid e-mail address; the Python version uses
// the same one.
const HTML5_EMAIL = new RegExp(
  "^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+" +
    "@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?" +
    "(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$",
);
const CONTROL = /\p{Cc}/u;

const email = z
  .string()
  .max(254)
  .regex(HTML5_EMAIL, "must be a valid e-mail address")
  .transform((value) => value.toLowerCase());

// Since zod#6441 (August 2026), min and max count code points, as Python's
// len() does.
const name = z
  .string()
  .min(2)
  .max(100)
  .refine(
    (value) => value.isWellFormed() && !CONTROL.test(value),
    "must not contain control characters or unpaired surrogates",
  );

export const UserCreate = z.strictObject({ email, name });

// A partial update: absent fields stay as they are; `null` is not a value.
export const UserUpdate = z
  .strictObject({ email: email.optional(), name: name.optional() })
  .refine(
    (body) => Object.keys(body).length > 0,
    "give at least one of email, name",
  );

// Repeated query parameters: the last one wins, as in FastAPI.
const lastValue = (value: unknown) =>
  Array.isArray(value) ? value.at(-1) : value;

export const ListQuery = z.object({
  limit: z.preprocess(
    lastValue,
    z
      .string()
      .regex(/^(100|[1-9][0-9]?)$/, "must be 1 to 100")
      .optional(),
  ),
  cursor: z.preprocess(lastValue, z.string().optional()),
});

export const User = z.object({
  id: z.number().int(),
  email: z.string(),
  name: z.string(),
});
export const UserPage = z.object({
  items: z.array(User),
  next_cursor: z.string().nullable(),
});
// --8<-- [end:schemas]
