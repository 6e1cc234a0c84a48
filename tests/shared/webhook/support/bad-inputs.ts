/**
 * The webhook edge's bad inputs (at least the 25), shared by the edge
 * tests (node:test, Bun and Deno) and the runner's (bun:test, real MongoDB).
 *
 * @module
 */
import { signScimBody } from "../../../../shared/signature.ts";
import { signStandardWebhook } from "../../../../shared/standard-webhooks.ts";
import {
  type BadInput,
  body,
  envelope,
  JSON_TYPE,
  MAX_BYTES,
  minutes,
  OLD_SECRET,
  scimUser,
  SECRET,
  signed,
  STANDARD_SECRET,
  stream,
  withSig,
} from "./webhook-requests.ts";

export * from "./webhook-requests.ts";

/** At least the 25 bad inputs; each must be refused and change nothing. */
export const BAD_INPUTS: BadInput[] = [
  { name: "no signature header", status: 401, send: (ctx) => withSig(ctx, body(ctx), undefined) },
  { name: "an empty signature header", status: 401, send: (ctx) => withSig(ctx, body(ctx), "") },
  {
    name: "the guide's curl signature sha256=test",
    status: 401,
    send: (ctx) => withSig(ctx, body(ctx), "sha256=test"),
  },
  {
    name: "a wrong prefix (sha1=)",
    status: 401,
    send: async (ctx) => {
      const b = body(ctx);
      return withSig(ctx, b, (await signScimBody(SECRET, b)).replace("sha256=", "sha1="));
    },
  },
  {
    name: "a doubled sha256= prefix",
    status: 401,
    send: async (ctx) => {
      const b = body(ctx);
      return withSig(ctx, b, `sha256=${await signScimBody(SECRET, b)}`);
    },
  },
  {
    name: "uppercase hex",
    status: 401,
    send: async (ctx) => {
      const b = body(ctx);
      return withSig(ctx, b, `sha256=${(await signScimBody(SECRET, b)).slice(7).toUpperCase()}`);
    },
  },
  {
    name: "short hex",
    status: 401,
    send: async (ctx) => {
      const b = body(ctx);
      return withSig(ctx, b, (await signScimBody(SECRET, b)).slice(0, -2));
    },
  },
  {
    name: "hex with one digit too many",
    status: 401,
    send: async (ctx) => {
      const b = body(ctx);
      return withSig(ctx, b, `${await signScimBody(SECRET, b)}0`);
    },
  },
  {
    name: "the signature of another body",
    status: 401,
    send: async (ctx) =>
      withSig(ctx, body(ctx), await signScimBody(SECRET, body(ctx, { id: "evt-other" }))),
  },
  {
    name: "the body re-serialized with other whitespace",
    status: 401,
    send: async (ctx) => {
      const e = envelope(ctx);
      return withSig(
        ctx,
        JSON.stringify(e, null, 2),
        await signScimBody(SECRET, JSON.stringify(e)),
      );
    },
  },
  {
    name: "a valid signature with one byte of the body changed",
    status: 401,
    send: async (ctx) => {
      const b = body(ctx);
      return withSig(ctx, b.replace("john.doe", "john.dof"), await signScimBody(SECRET, b));
    },
  },
  {
    name: "a secret from before a rotation that has ended",
    status: 401,
    send: (ctx) => signed(ctx, body(ctx), {}, OLD_SECRET),
  },
  {
    name: "a Standard Webhooks signature over another webhook-id",
    status: 401,
    send: async (ctx) => {
      const b = body(ctx, { id: undefined });
      const ts = String(Math.floor(ctx.now.getTime() / 1000));
      const sig = await signStandardWebhook(STANDARD_SECRET, "msg_1", ts, b);
      return ctx.post(b, {
        "content-type": JSON_TYPE,
        "webhook-id": "msg_2",
        "webhook-timestamp": ts,
        "webhook-signature": sig,
      }, {
        standardWebhookSecrets: [STANDARD_SECRET],
      });
    },
  },
  {
    name: "a timestamp 10 minutes old",
    status: 401,
    send: (ctx) => signed(ctx, body(ctx, { timestamp: minutes(ctx, -10) })),
  },
  {
    name: "a timestamp 10 minutes in the future",
    status: 401,
    send: (ctx) => signed(ctx, body(ctx, { timestamp: minutes(ctx, 10) })),
  },
  {
    name: "no timestamp when one is required",
    status: 401,
    send: (ctx) =>
      signed(ctx, body(ctx, { timestamp: undefined }), { limits: { requireTimestamp: true } }),
  },
  {
    name: "a body over the limit with its length declared",
    status: 413,
    send: async (ctx) => {
      const b = body(ctx, { pad: "x".repeat(MAX_BYTES) });
      return ctx.post(b, {
        "content-type": JSON_TYPE,
        "content-length": String(b.length),
        "x-scim-signature": await signScimBody(SECRET, b),
      });
    },
  },
  {
    name: "a body over the limit with no length declared (streamed)",
    status: 413,
    send: async (ctx) => {
      const b = body(ctx, { pad: "x".repeat(MAX_BYTES) });
      return ctx.post(stream(b), {
        "content-type": JSON_TYPE,
        "x-scim-signature": await signScimBody(SECRET, b),
      });
    },
  },
  {
    name: "a body over the limit under a Content-Length that lies",
    status: 413,
    send: async (ctx) => {
      const b = body(ctx, { pad: "x".repeat(MAX_BYTES) });
      return ctx.post(b, {
        "content-type": JSON_TYPE,
        "content-length": "100",
        "x-scim-signature": await signScimBody(SECRET, b),
      });
    },
  },
  {
    name: "a text/plain content type",
    status: 415,
    send: async (ctx) => {
      const b = body(ctx);
      return withSig(ctx, b, await signScimBody(SECRET, b), "text/plain");
    },
  },
  {
    name: "no content type",
    status: 415,
    send: async (ctx) => {
      const b = body(ctx);
      return ctx.post(new TextEncoder().encode(b), {
        "x-scim-signature": await signScimBody(SECRET, b),
      });
    },
  },
  {
    name: "invalid UTF-8",
    status: 400,
    send: (ctx) => signed(ctx, new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
  },
  { name: "JSON that is an array", status: 400, send: (ctx) => signed(ctx, `[${body(ctx)}]`) },
  {
    name: "JSON that is a string",
    status: 400,
    send: (ctx) => signed(ctx, JSON.stringify(body(ctx))),
  },
  {
    name: "a body that is not JSON",
    status: 400,
    send: (ctx) => signed(ctx, body(ctx).slice(0, -1)),
  },
  { name: "an empty body", status: 400, send: (ctx) => signed(ctx, "") },
  {
    name: "a missing resourceId",
    status: 400,
    send: (ctx) => signed(ctx, body(ctx, { resourceId: undefined })),
  },
  {
    name: "a timestamp that is not a date",
    status: 400,
    send: (ctx) => signed(ctx, body(ctx, { timestamp: "yesterday" })),
  },
  {
    name: "a data that fails the User schema",
    status: 400,
    send: (ctx) => signed(ctx, body(ctx, { data: { ...scimUser(ctx), active: "maybe" } })),
  },
  {
    name: "a user.updated without data",
    status: 400,
    send: (ctx) => signed(ctx, body(ctx, { data: undefined })),
  },
  {
    name: "a data whose id is not the resourceId",
    status: 400,
    send: (ctx) => signed(ctx, body(ctx, { data: { ...scimUser(ctx), id: "someone-else" } })),
  },
  {
    name: "a resourceType that contradicts the event",
    status: 400,
    send: (ctx) => signed(ctx, body(ctx, { resourceType: "Group" })),
  },
  {
    name: "an unknown resourceType",
    status: 400,
    send: (ctx) => signed(ctx, body(ctx, { resourceType: "Printer" })),
  },
  {
    name: "an unknown event type (acknowledged, ignored)",
    status: 202,
    send: (ctx) => signed(ctx, body(ctx, { event: "user.promoted" })),
  },
];
