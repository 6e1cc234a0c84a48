/**
 * The notification variables (`NOTIFY_*`), read by the runner's config
 * (config.ts spreads {@linkcode NOTIFY_ENV_FIELDS} into its schema and keeps
 * {@linkcode notifySection}'s result as `config.notify`).
 *
 * @module
 */
import { z } from "zod";
import { envEnum, envInt, envList, envString, envUrl } from "../shared/env.ts";
import { ConfigError } from "../shared/errors.ts";
import { standardWebhookKeyBytes } from "../shared/standard-webhooks.ts";

/** The zod fields of the `NOTIFY_*` variables. */
export const NOTIFY_ENV_FIELDS = {
  NOTIFY_WEBHOOK_URL: envUrl("https://hooks.slack.com/services/T000/B000/XXXX"),
  NOTIFY_WEBHOOK_FORMAT: envEnum(["slack", "json"], "slack"),
  NOTIFY_WEBHOOK_SECRET: envString().refine((v) => {
    if (v === undefined) return true;
    try {
      return v.startsWith("whsec_") && standardWebhookKeyBytes(v).length >= 16;
    } catch {
      return false;
    }
  }, "must be whsec_ followed by base64 of at least 16 bytes"),
  NOTIFY_SMTP_URL: envString().pipe(
    z.string().regex(/^smtps?:\/\/[^/]+/, "must be smtp://[user:pass@]host[:port] or smtps://…")
      .optional(),
  ),
  NOTIFY_EMAIL_TO: envList().refine(
    (list) => list.every((a) => /^[^@\s]+@[^@\s]+$/.test(a)),
    "must be comma-separated e-mail addresses",
  ),
  NOTIFY_EMAIL_FROM: envString(),
  NOTIFY_FAILURES: envInt(3, 1, 1000),
  NOTIFY_MAX_PER_HOUR: envInt(20, 1, 10_000),
};

const NotifyEnv = z.object(NOTIFY_ENV_FIELDS);
type NotifyEnv = z.output<typeof NotifyEnv>;

/** Where and how notifications go. */
export interface NotifyConfig {
  webhook: { url: string; format: "slack" | "json"; secret: string | null } | null;
  email: { smtpUrl: string; to: string[]; from: string } | null;
  /** Scheduled runs failed in a row before "failing" is told. */
  failures: number;
  maxPerHour: number;
}

/**
 * The notification section of the config.
 *
 * @param host for the default sender, `scim-sync@<host>`
 * @throws {ConfigError} when NOTIFY_SMTP_URL is set without NOTIFY_EMAIL_TO, or the other way round
 * @example
 * ```ts
 * notifySection({ NOTIFY_WEBHOOK_URL: "https://hooks.example/x", NOTIFY_WEBHOOK_FORMAT: "slack", … }, "web-1");
 * ```
 */
export function notifySection(e: NotifyEnv, host: string): NotifyConfig {
  const smtp = e.NOTIFY_SMTP_URL;
  if ((smtp === undefined) !== (e.NOTIFY_EMAIL_TO.length === 0)) {
    throw new ConfigError(
      ["NOTIFY_SMTP_URL", "NOTIFY_EMAIL_TO"],
      "NOTIFY_SMTP_URL and NOTIFY_EMAIL_TO go together: set both for e-mail, or neither",
    );
  }
  return {
    webhook: e.NOTIFY_WEBHOOK_URL
      ? {
        url: e.NOTIFY_WEBHOOK_URL,
        format: e.NOTIFY_WEBHOOK_FORMAT,
        secret: e.NOTIFY_WEBHOOK_SECRET ?? null,
      }
      : null,
    email: smtp
      ? { smtpUrl: smtp, to: e.NOTIFY_EMAIL_TO, from: e.NOTIFY_EMAIL_FROM ?? `scim-sync@${host}` }
      : null,
    failures: e.NOTIFY_FAILURES,
    maxPerHour: e.NOTIFY_MAX_PER_HOUR,
  };
}

/**
 * The values of a config that must never be sent or logged: credentials, tokens,
 * secrets, the webhook URL (a Slack URL is its own credential) and the SMTP password.
 *
 * @example
 * ```ts
 * redact(text, notifySecrets(config));
 * ```
 */
export function notifySecrets(c: {
  auth: { kind: string; clientSecret?: string; token?: string };
  adminToken: string | null;
  ingestSecrets: readonly string[];
  webhook: { secrets: readonly string[]; standardSecrets: readonly string[] };
  notify: NotifyConfig;
}): string[] {
  const smtpPassword = (() => {
    try {
      return c.notify.email ? decodeURIComponent(new URL(c.notify.email.smtpUrl).password) : "";
    } catch {
      return "";
    }
  })();
  return [
    c.auth.clientSecret ?? "",
    c.auth.token ?? "",
    c.adminToken ?? "",
    ...c.ingestSecrets,
    ...c.webhook.secrets,
    ...c.webhook.standardSecrets,
    c.notify.webhook?.url ?? "",
    c.notify.webhook?.secret ?? "",
    smtpPassword,
  ].filter((s) => s.length > 0);
}
