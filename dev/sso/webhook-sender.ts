/**
 * The SSO's webhook sender: every directory change is POSTed, signed with
 * `X-SCIM-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, to each
 * registered target, retried as the guide configures (3 retries, 1000 ms).
 * It signs with node:crypto on purpose: an implementation independent of the
 * product's WebCrypto code, so the tests compare two.
 *
 * @module
 */
import { createHmac, randomUUID } from "node:crypto";
import type { Change } from "./directory.ts";

export interface WebhookTarget {
  url: string;
  secret: string;
  events?: string[];
}

export interface Delivery {
  id: string;
  url: string;
  event: string;
  attempt: number;
  status: number | "error";
}

/**
 * Signs a body as the SSO does.
 *
 * @example
 * ```ts
 * signBody("secret", '{"a":1}'); // "sha256=…"
 * ```
 */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Creates the sender.
 *
 * @example
 * ```ts
 * const webhooks = createWebhookSender({ targets: [{ url, secret }], retryDelayMs: 10 });
 * directory.onChange(webhooks.send);
 * await webhooks.idle();
 * ```
 */
export function createWebhookSender(options: { targets?: WebhookTarget[]; maxRetries?: number; retryDelayMs?: number }) {
  const targets: WebhookTarget[] = [...(options.targets ?? [])];
  const deliveries: Delivery[] = [];
  const inflight = new Set<Promise<void>>();
  const maxRetries = options.maxRetries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;

  async function deliver(t: WebhookTarget, id: string, event: string, body: string) {
    for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
      let status: number | "error" = "error";
      try {
        const res = await fetch(t.url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-SCIM-Signature": signBody(t.secret, body) },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        status = res.status;
        await res.body?.cancel();
      } catch {
        status = "error";
      }
      deliveries.push({ id, url: t.url, event, attempt, status });
      if (typeof status === "number" && status >= 200 && status < 300) return;
      if (attempt <= maxRetries) await new Promise((r) => setTimeout(r, retryDelayMs));
    }
  }

  return {
    targets,
    deliveries,
    send(c: Change) {
      const event = `${c.type.toLowerCase()}.${c.kind}`;
      const id = randomUUID();
      const body = JSON.stringify({
        id,
        event,
        resourceType: c.type,
        resourceId: c.id,
        timestamp: new Date().toISOString(),
        data: c.resource,
      });
      for (const t of targets) {
        if (t.events && !t.events.includes(event)) continue;
        const p = deliver(t, id, event, body).finally(() => inflight.delete(p));
        inflight.add(p);
      }
    },
    async idle() {
      while (inflight.size > 0) await Promise.all([...inflight]);
    },
  };
}
