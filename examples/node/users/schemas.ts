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
// Also in the OpenAPI document: what clients (and fuzzers) must not send.
// The same characters as \p{Cc}, spelled so that every regex engine reads it.
// biome-ignore lint/suspicious/noControlCharactersInRegex: it rejects them
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;

const email = z
  .string()
  .max(254)
  .regex(HTML5_EMAIL, "must be a valid e-mail address")
  .transform((value) => value.toLowerCase());

const PRINTABLE = "must not contain control characters or unpaired surrogates";

// Since zod#6441 (August 2026), min and max count code points, as Python's
// len() does.
export const name = z
  .string()
  .min(2)
  .max(100)
  .regex(NO_CONTROL_CHARACTERS, PRINTABLE)
  .refine((value) => value.isWellFormed(), PRINTABLE);

export const UserCreate = z.strictObject({ email, name });

// A partial update: absent fields stay as they are; `null` is not a value.
export const UserUpdate = z
  .strictObject({ email: email.optional(), name: name.optional() })
  .refine((body) => Object.keys(body).length > 0, {
    message: "give at least one of email, name",
    // Only once the fields are valid, as Pydantic's model validator runs.
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ minProperties: 1 }); // the refine, said in the OpenAPI document

// Repeated parameters never get here: noRepeatedParameters answers 422.
export const ListQuery = z.object({
  limit: z
    .string()
    .regex(/^(100|[1-9][0-9]?)$/, "must be 1 to 100")
    .optional(),
  cursor: z.string().optional(),
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
