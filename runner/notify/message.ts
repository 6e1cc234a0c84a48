/**
 * A notification as each receiver reads it: a Slack-compatible incoming
 * webhook body, a generic JSON event, an e-mail. Pure. Every text passes
 * {@linkcode redact} first, so a secret that found its way into an error
 * message (a token endpoint echoing a credential, say) never leaves.
 *
 * @module
 */
import type { ConditionKind } from "./conditions.ts";

/** One message: a condition raised or cleared. */
export interface Notification {
  /** Stable id of the message (`<kind>:<episode>:<event>`): receivers de-duplicate on it. */
  id: string;
  event: "raised" | "cleared";
  kind: ConditionKind;
  episode: string;
  severity: "critical" | "warning" | "resolved";
  title: string;
  detail: string;
  at: Date;
  /** The runner that sent it. */
  runner: string;
}

/**
 * Replaces each secret (and its URL-encoded form) in `text` with `[redacted]`.
 *
 * @param secrets values that must never be sent; blanks and values under 4 characters are skipped
 * @example
 * ```ts
 * redact("token s3cret-value refused", ["s3cret-value"]); // "token [redacted] refused"
 * ```
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) {
      out = out.split(form).join("[redacted]");
    }
  }
  return out;
}

const ICON = { critical: "🔴", warning: "🟠", resolved: "✅" } as const;

/**
 * The Slack-compatible body: `{ "text": … }` (Slack, Mattermost, Rocket.Chat, Teams workflows).
 *
 * @example
 * ```ts
 * slackBody(n); // { text: "🔴 *scim-sync: 3 scheduled syncs failed in a row*\nThe last one: …" }
 * ```
 */
export function slackBody(n: Notification): { text: string } {
  return { text: `${ICON[n.severity]} *scim-sync: ${n.title}*\n${n.detail}` };
}

/**
 * The generic JSON event.
 *
 * @example
 * ```ts
 * jsonEvent(n).type; // "scim_sync.condition.raised"
 * ```
 */
export function jsonEvent(n: Notification) {
  return {
    type: `scim_sync.condition.${n.event}`,
    id: n.id,
    condition: n.kind,
    episode: n.episode,
    severity: n.severity,
    title: n.title,
    detail: n.detail,
    at: n.at.toISOString(),
    runner: n.runner,
  };
}

/**
 * The e-mail's subject and plain text.
 *
 * @example
 * ```ts
 * emailOf(n).subject; // "[scim-sync] 3 scheduled syncs failed in a row"
 * ```
 */
export function emailOf(n: Notification): { subject: string; text: string } {
  return {
    subject: `[scim-sync] ${
      n.event === "cleared" ? "" : `${n.severity.toUpperCase()}: `
    }${n.title}`,
    text: [
      n.title,
      "",
      n.detail,
      "",
      `Condition: ${n.kind} (${n.event}), runner ${n.runner}, ${n.at.toISOString()}.`,
      n.event === "raised" ? "You will be told once more when it clears." : "",
    ].join("\n").trimEnd() + "\n",
  };
}
