/**
 * The webhook route's OpenAPI operation (`POST /api/v1/scim/webhook`, served by
 * the edge and, without an edge, by the runner) and the edge's whole document.
 * Generated from the zod schemas the route validates with (webhook-event.ts)
 * and answers in (answers.ts).
 *
 * @module
 */
import { z } from "zod";
import { API_VERSION, type ApiOperation, openApiDocument } from "../openapi.ts";
import { WebhookEnvelope } from "../webhook-event.ts";
import { ErrorAnswer, WebhookIgnored, WebhookStored } from "./answers.ts";

/** The security schemes a signed route uses: the guide's HMAC header, or Standard Webhooks. */
export const SIGNATURE_SCHEMES = {
  scimSignature: {
    type: "apiKey",
    in: "header",
    name: "X-SCIM-Signature",
    description: "`sha256=` + hex HMAC-SHA256 of the exact body bytes with the shared secret. " +
      "Verified before the body is parsed.",
  },
  standardWebhooks: {
    type: "apiKey",
    in: "header",
    name: "webhook-signature",
    description: "Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), " +
      "when STANDARD_WEBHOOK_SECRET is set.",
  },
} as const;

const json = (schema: z.ZodType) => ({ "application/json": schema });
const refused = (description: string) => ({ description, content: json(ErrorAnswer) });

/**
 * The operation of `POST /api/v1/scim/webhook`.
 *
 * @returns the operation, for {@linkcode openApiDocument}
 *
 * @example
 * ```ts
 * openApiDocument(info, [webhookOperation()]);
 * ```
 */
export function webhookOperation(): ApiOperation {
  return {
    method: "post",
    path: "/api/v1/scim/webhook",
    operationId: "receiveWebhook",
    summary: "Receive a webhook event from Aksara SSO",
    description:
      "Checked cheapest first: the source address (WEBHOOK_ALLOWED_IPS), content type, size (WEBHOOK_MAX_BYTES, counted while " +
      "streaming), the signature over the exact bytes, UTF-8 and JSON, the envelope schema, the " +
      "replay window (WEBHOOK_TOLERANCE_SECONDS), then the mapping. 200 only once stored.",
    tags: ["webhook"],
    security: [{ scimSignature: [] }, { standardWebhooks: [] }],
    body: { contentType: "application/json", schema: WebhookEnvelope },
    responses: {
      "200": { description: "Stored (or already stored)", content: json(WebhookStored) },
      "202": {
        description: "Signed, but an event type this integration ignores",
        content: json(WebhookIgnored),
      },
      "400": refused(
        "Not UTF-8, not a JSON object, not the envelope schema, or data that does not map",
      ),
      "401": refused("Invalid webhook signature, or a timestamp outside the replay window"),
      "403": refused(
        "`Source address not allowed`: only when WEBHOOK_ALLOWED_IPS is set, a source outside it " +
          "(the peer, or X-Forwarded-For through TRUSTED_PROXIES), refused before the body is read",
      ),
      "413": refused("Body larger than WEBHOOK_MAX_BYTES"),
      "415": refused("Content-Type is not JSON"),
      "503": {
        ...refused("Not stored yet (ingestion busy or unreachable); the SSO sends it again"),
        headers: { "Retry-After": { description: "Seconds to wait", schema: z.string() } },
      },
    },
  };
}

/**
 * The edge's OpenAPI 3.1 document: the webhook route only.
 *
 * @returns the document
 *
 * @example
 * ```ts
 * const doc = edgeOpenApiDocument();
 * ```
 */
export function edgeOpenApiDocument(): ReturnType<typeof openApiDocument> {
  return openApiDocument({
    title: "scim-sync edge",
    version: API_VERSION,
    description: "The public webhook receiver (Deno Deploy): verifies, maps and forwards " +
      "Aksara SSO's webhook events to the runner's ingestion API.",
    servers: [{ url: "http://127.0.0.1:8000", description: "edge (npm run edge)" }],
    securitySchemes: SIGNATURE_SCHEMES,
  }, [webhookOperation()]);
}
