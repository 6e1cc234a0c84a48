/**
 * The steps between the bare handler and the edge, one server each, for
 * bench/edge-load.ts to show where the edge's time goes. Run with
 * `deno run --allow-net --allow-env bench/edge-variant.ts` and VARIANT:
 *
 * - `app-local`: the edge's app (Hono, verification, parsing, zod, mapping)
 *   with a forward that answers at once: the edge minus its HTTP hop.
 * - `bare-hop`: the bare handler plus the same signed HTTP forward to
 *   OFM_INGEST_URL: the hop alone, without the app.
 *
 * @module
 */
import { createWebhookApp } from "../shared/webhook/app.ts";
import { createHttpForwarder } from "../shared/webhook/forwarder.ts";
import { verifyScimSignature } from "../shared/signature.ts";
import type { ForwardedEvent } from "../shared/webhook-event.ts";

const secret = Deno.env.get("SCIM_WEBHOOK_SECRET") ?? "";
const variant = Deno.env.get("VARIANT");
const serve = (handler: (req: Request) => Response | Promise<Response>) =>
  Deno.serve({
    port: Number(Deno.env.get("PORT") ?? 0),
    hostname: "127.0.0.1",
    onListen: ({ port }) => console.log(`ready http://127.0.0.1:${port}`),
  }, handler);

if (variant === "app-local") {
  const app = createWebhookApp({
    secrets: [secret],
    forward: () => Promise.resolve({ ok: true, status: "success" }),
    // As edge/main.ts: its forward does not read the request's signal either.
    requestSignal: false,
  });
  serve(app.fetch);
} else if (variant === "bare-hop") {
  const forward = createHttpForwarder({ url: Deno.env.get("OFM_INGEST_URL") ?? "", secret });
  serve(async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    if (!(await verifyScimSignature(req.headers.get("x-scim-signature"), body, [secret]))) {
      return new Response('{"error":"Invalid webhook signature"}', { status: 401 });
    }
    // The forwarded body is the raw one here: the hop's cost without mapping.
    const r = await forward(JSON.parse(new TextDecoder().decode(body)) as ForwardedEvent);
    return new Response(r.ok ? '{"status":"success"}' : '{"error":"not stored"}', {
      status: r.ok ? 200 : 503,
    });
  });
} else {
  console.error(`VARIANT must be app-local or bare-hop, got ${variant}`);
  Deno.exit(2);
}
