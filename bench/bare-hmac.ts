/**
 * The baseline of the edge benchmark: a bare `Deno.serve` handler that only
 * verifies the same HMAC over the raw body and answers 200. Run with
 * `deno run --allow-net --allow-env bench/bare-hmac.ts`.
 *
 * @module
 */
import { verifyScimSignature } from "../shared/signature.ts";

const secret = Deno.env.get("SCIM_WEBHOOK_SECRET") ?? "";
Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 0),
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`ready http://127.0.0.1:${port}`),
}, async (req) => {
  const body = new Uint8Array(await req.arrayBuffer());
  const ok = await verifyScimSignature(req.headers.get("x-scim-signature"), body, [secret]);
  return new Response(ok ? '{"status":"ok"}' : '{"error":"Invalid webhook signature"}', {
    status: ok ? 200 : 401,
  });
});
