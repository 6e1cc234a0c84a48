/**
 * The bodies the webhook routes answer with, as zod schemas: the handlers'
 * answers are typed by them and the OpenAPI document is generated from them.
 *
 * @module
 */
import { z } from "zod";

/** Every refusal: `{ error }`, a message a person can act on (never a secret). */
export const ErrorAnswer = z.object({ error: z.string() });
export type ErrorAnswer = z.infer<typeof ErrorAnswer>;

/**
 * How a stored event ended: applied, already seen, older than what is stored, held by
 * the deactivation gate for an operator, or a conflict that can never apply as things
 * stand (another account still in the directory holds the value). Each is final: the
 * sender does not retry.
 */
export const StoredStatus = z.enum(["success", "duplicate", "stale", "held", "conflict"]);
export type StoredStatus = z.infer<typeof StoredStatus>;

/** 200 from the webhook route and the ingestion API: the event is stored. */
export const WebhookStored = z.object({
  status: StoredStatus,
  eventId: z.string(),
});
export type WebhookStored = z.infer<typeof WebhookStored>;

/** 202 from the webhook route: a signed event of a type this integration does not handle. */
export const WebhookIgnored = z.object({
  status: z.literal("ignored"),
  reason: z.string(),
});
export type WebhookIgnored = z.infer<typeof WebhookIgnored>;

/** 500 from the ingestion API: MongoDB could not apply the event; the sender delivers it again. */
export const IngestFailed = z.object({ status: z.literal("failed"), error: z.string() });
export type IngestFailed = z.infer<typeof IngestFailed>;
