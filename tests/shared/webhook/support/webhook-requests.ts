/**
 * Building webhook requests for the bad-input table (./bad-inputs.ts): the
 * harness context, a valid envelope, and signing helpers.
 *
 * The webhook edge's bad inputs are one table for two harnesses: the edge tests
 * (node:test, a local forward function, Bun and Deno) and the runner's
 * (bun:test, the in-process forward into the real MongoDB-wire server, which
 * must be unchanged afterwards). Each case builds its request from the
 * harness's context, so the same bytes are refused the same way in both.
 *
 * @module
 */
import type { WebhookAppOptions } from "../../../../shared/webhook/app.ts";
import { signScimBody } from "../../../../shared/signature.ts";

export const SECRET = "edge-test-secret-0123456789";
export const OLD_SECRET = "edge-old-secret-9876543210";
export const STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** Every harness builds its app with this limit so the oversized cases stay small. */
export const MAX_BYTES = 4096;

/** App variations a case may ask for; harnesses keep `limits.maxBytes` at MAX_BYTES unless given. */
export type AppOverrides = Pick<WebhookAppOptions, "limits" | "standardWebhookSecrets">;

/** What a harness gives each case. */
export interface BadInputContext {
  /** The harness's clock: envelope timestamps are set from it. */
  now: Date;
  /** The user the envelope targets (the harness may have stored it). */
  userId: string;
  /** POSTs to `/api/v1/scim/webhook` of an app (built with `over`) and returns its answer. */
  post(
    body: BodyInit,
    headers: Record<string, string | undefined>,
    over?: AppOverrides,
  ): Promise<Response>;
}

/** One refused request and the status it must get. */
export interface BadInput {
  name: string;
  status: number;
  send(ctx: BadInputContext): Promise<Response>;
}

/** A valid SCIM User for `ctx.userId`, changed from what any harness stores. */
export function scimUser(ctx: BadInputContext): Record<string, unknown> {
  return {
    id: ctx.userId,
    userName: "john.doe@ias.co.id",
    name: { givenName: "John", familyName: "Doe" },
    active: true,
    phoneNumbers: [{ value: "+62 811 0000 9999" }],
    meta: { lastModified: new Date(ctx.now.getTime() - 1000).toISOString() },
  };
}

/** A valid `user.updated` envelope for `ctx.userId`, with overrides (undefined removes a key). */
export function envelope(
  ctx: BadInputContext,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: `evt-${Math.random().toString(36).slice(2)}`,
    event: "user.updated",
    resourceType: "User",
    resourceId: ctx.userId,
    timestamp: ctx.now.toISOString(),
    data: scimUser(ctx),
    ...over,
  };
}

export const JSON_TYPE = "application/json";
export const body = (ctx: BadInputContext, over: Record<string, unknown> = {}) =>
  JSON.stringify(envelope(ctx, over));
export const withSig = async (
  ctx: BadInputContext,
  b: string | Uint8Array,
  sig: string | undefined,
  type = JSON_TYPE,
) => await ctx.post(b as BodyInit, { "content-type": type, "x-scim-signature": sig });
/** Correctly signed with `secret`. */
export const signed = async (
  ctx: BadInputContext,
  b: string | Uint8Array,
  over?: AppOverrides,
  secret = SECRET,
) =>
  await ctx.post(b as BodyInit, {
    "content-type": JSON_TYPE,
    "x-scim-signature": await signScimBody(secret, b),
  }, over);
export const minutes = (ctx: BadInputContext, m: number) =>
  new Date(ctx.now.getTime() + m * 60_000).toISOString();
export const stream = (b: string) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      const bytes = new TextEncoder().encode(b);
      for (let i = 0; i < bytes.length; i += 1024) c.enqueue(bytes.slice(i, i + 1024));
      c.close();
    },
  });
