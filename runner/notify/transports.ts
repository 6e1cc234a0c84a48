/**
 * Where notifications go: an HTTP endpoint (`NOTIFY_WEBHOOK_URL`: a
 * Slack-compatible incoming webhook, or a generic JSON event signed with
 * Standard Webhooks when `NOTIFY_WEBHOOK_SECRET` is set) and e-mail over SMTP
 * (`NOTIFY_SMTP_URL`, with nodemailer). A transport throws when its receiver
 * did not take the message; the notifier retries.
 *
 * @module
 */
import { createTransport } from "nodemailer";
import { signStandardWebhook } from "../../shared/standard-webhooks.ts";
import { emailOf, jsonEvent, type Notification, slackBody } from "./message.ts";

/** A way to deliver a notification. */
export interface Transport {
  /** For logs: "webhook" or "email" (never the address, which may hold a secret). */
  name: string;
  /** Delivers or throws. */
  send(n: Notification): Promise<void>;
  close?(): void;
}

/** Options of {@linkcode webhookTransport}. */
export interface WebhookTransportOptions {
  url: string;
  /** `slack`: `{ "text": … }`; `json`: the event of message.ts. */
  format: "slack" | "json";
  /** `whsec_…`: sign with Standard Webhooks (webhook-id, -timestamp, -signature). */
  secret: string | null;
  /** @default 10000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * Posts notifications to an HTTP endpoint; a non-2xx answer is a failure.
 *
 * @example
 * ```ts
 * const hook = webhookTransport({ url: "https://hooks.slack.com/services/…", format: "slack", secret: null });
 * await hook.send(notification);
 * ```
 */
export function webhookTransport(o: WebhookTransportOptions): Transport {
  const doFetch = o.fetch ?? fetch;
  return {
    name: "webhook",
    async send(n) {
      const body = JSON.stringify(o.format === "slack" ? slackBody(n) : jsonEvent(n));
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (o.secret) {
        const timestamp = String(Math.floor(n.at.getTime() / 1000));
        headers["webhook-id"] = n.id;
        headers["webhook-timestamp"] = timestamp;
        headers["webhook-signature"] = await signStandardWebhook(o.secret, n.id, timestamp, body);
      }
      const res = await doFetch(o.url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`the receiver answered HTTP ${res.status}`);
    },
  };
}

/** Options of {@linkcode emailTransport}. */
export interface EmailTransportOptions {
  /** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…`. */
  smtpUrl: string;
  to: readonly string[];
  from: string;
  /** @default 15000 */
  timeoutMs?: number;
}

/**
 * Sends notifications as plain-text e-mail through an SMTP server.
 *
 * @example
 * ```ts
 * const mail = emailTransport({ smtpUrl: "smtp://mail:587", to: ["ops@ias.co.id"], from: "scim-sync@ias.co.id" });
 * ```
 */
export function emailTransport(o: EmailTransportOptions): Transport {
  const t = o.timeoutMs ?? 15_000;
  const mailer = createTransport({
    url: o.smtpUrl,
    connectionTimeout: t,
    greetingTimeout: t,
    socketTimeout: t,
  });
  return {
    name: "email",
    async send(n) {
      const { subject, text } = emailOf(n);
      await mailer.sendMail({ from: o.from, to: [...o.to], subject, text });
    },
    close: () => mailer.close(),
  };
}
