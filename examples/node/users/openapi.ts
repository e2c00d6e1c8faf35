// The OpenAPI 3.1 document, built from the Zod schemas that validate requests.

// --8<-- [start:openapi]
import { z } from "zod";
import { User, UserCreate, UserPage, UserUpdate } from "./schemas.ts";

const json = (schema: z.ZodType) => ({
  "application/json": { schema: z.toJSONSchema(schema, { io: "input" }) },
});
const problem = {
  description: "A problem (RFC 9457)",
  content: {
    "application/problem+json": {
      schema: z.toJSONSchema(
        z.object({
          type: z.string(),
          title: z.string(),
          status: z.number().int(),
          detail: z.string().optional(),
          errors: z.array(z.record(z.string(), z.string())).optional(),
        }),
      ),
    },
  },
};
const userId = {
  name: "user_id",
  in: "path",
  required: true,
  schema: { type: "string" },
};
const ok = (description: string, schema: z.ZodType) => ({
  description,
  content: json(schema),
});

export const openApiDocument = {
  openapi: "3.1.0",
  info: { title: "users", version: "1.0.0" },
  paths: {
    "/healthz": {
      get: {
        responses: { 200: ok("Healthy", z.object({ status: z.string() })) },
      },
    },
    "/users": {
      get: {
        parameters: [
          {
            name: "limit",
            in: "query",
            schema: { type: "string", pattern: "^(100|[1-9][0-9]?)$" },
          },
          {
            name: "cursor",
            in: "query",
            // base64url without padding; decodeCursor checks it was issued.
            schema: { type: "string", pattern: "^[A-Za-z0-9_-]+$" },
          },
        ],
        responses: { 200: ok("A page of users", UserPage), "4XX": problem },
      },
      post: {
        requestBody: { required: true, content: json(UserCreate) },
        responses: { 201: ok("Created", User), "4XX": problem },
      },
    },
    "/users/{user_id}": {
      get: {
        parameters: [userId],
        responses: { 200: ok("The user", User), "4XX": problem },
      },
      patch: {
        parameters: [userId],
        requestBody: { required: true, content: json(UserUpdate) },
        responses: { 200: ok("Updated", User), "4XX": problem },
      },
      delete: {
        parameters: [userId],
        responses: { 204: { description: "Deleted" }, "4XX": problem },
      },
    },
  },
};
// --8<-- [end:openapi]
