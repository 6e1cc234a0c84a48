/**
 * The dispatcher: turns the conditions in force into messages — one when a
 * condition is raised, one when it clears, never more for the same episode
 * (the store's unique ids hold that across replicas and restarts) — and
 * delivers them in the background: rate-limited (`NOTIFY_MAX_PER_HOUR`,
 * shared through the store), each failed delivery logged and retried with a
 * growing delay, never awaited by a sync. Secrets are cut from every text.
 *
 * @module
 */
import type { Logger } from "../../shared/logger.ts";
import type { NotificationDoc, NotificationStore } from "../store/notification-store.ts";
import { CLEARED_TITLES, type Condition, type ConditionKind } from "./conditions.ts";
import { type Notification, redact } from "./message.ts";
import type { Transport } from "./transports.ts";

/** Dependencies of {@linkcode createNotifier}. */
export interface NotifierDeps {
  store: NotificationStore;
  transports: readonly Transport[];
  logger: Logger;
  now: () => Date;
  runner: string;
  /** NOTIFY_MAX_PER_HOUR. */
  maxPerHour: number;
  /** Values that must never appear in a message or a log line. */
  secrets: readonly string[];
  /** Deliveries tried before giving up. @default 8 */
  maxAttempts?: number;
  /** The first retry delay; doubles, capped at 30 minutes. @default 30000 */
  retryBaseMs?: number;
}

/** The notifier's handle. */
export interface Notifier {
  /** Raises new conditions, clears those gone, then delivers in the background. */
  update(conditions: readonly Condition[]): Promise<void>;
  /** Delivers what is due (retries, messages the hourly limit held back). */
  pump(): Promise<void>;
  /** Resolves once no delivery runs, or after `ms`. */
  idle(ms: number): Promise<void>;
}

const messageId = (kind: string, episode: string, event: string) => `${kind}:${episode}:${event}`;

/**
 * Creates the notifier; with no transport it does nothing at all.
 *
 * @example
 * ```ts
 * const notifier = createNotifier({ store, transports: [webhookTransport(o)], logger, now, runner, maxPerHour: 20, secrets });
 * await notifier.update(evaluateConditions(facts, { failures: 3 }));
 * ```
 */
export function createNotifier(deps: NotifierDeps): Notifier {
  if (deps.transports.length === 0) {
    return { update: async () => {}, pump: async () => {}, idle: async () => {} };
  }
  let pumping: Promise<void> | null = null;
  let again = false;
  const pump = (): Promise<void> => {
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      do {
        again = false;
        await deliverDue(deps).catch((e) =>
          deps.logger.warn("⚠️ Notifications could not be read or written", {
            error: clean(deps, e),
          })
        );
      } while (again);
    })().finally(() => (pumping = null));
    return pumping;
  };
  return {
    async update(conditions) {
      await record(deps, conditions);
      void pump();
    },
    pump,
    async idle(ms) {
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        pumping ?? Promise.resolve(),
        new Promise<void>((r) => (t = setTimeout(r, ms))),
      ]);
      clearTimeout(t);
    },
  };
}

/** The store's document of a new message. */
function newDoc(
  deps: NotifierDeps,
  m: Pick<NotificationDoc, "kind" | "episode" | "event" | "severity" | "title" | "detail">,
  status: NotificationDoc["status"] = "pending",
): NotificationDoc {
  const now = deps.now();
  return {
    _id: messageId(m.kind, m.episode, m.event),
    ...m,
    title: redact(m.title, deps.secrets),
    detail: redact(m.detail, deps.secrets),
    createdAt: now,
    status,
    attempts: 0,
    nextAttemptAt: status === "pending" ? now : null,
    sentBy: [],
    sentAt: null,
    lastError: null,
    runner: deps.runner,
    ...(m.event === "raised" ? { cleared: false } : {}),
  };
}

/** Claims a message for each new condition, and a cleared message for each one gone. */
async function record(deps: NotifierDeps, conditions: readonly Condition[]): Promise<void> {
  for (const c of conditions) await deps.store.claim(newDoc(deps, { ...c, event: "raised" }));
  const inForce = new Set(conditions.map((c) => `${c.kind}:${c.episode}`));
  const kindsInForce = new Set<ConditionKind>(conditions.map((c) => c.kind));
  for (const open of await deps.store.openRaised()) {
    if (inForce.has(`${open.kind}:${open.episode}`)) continue;
    const kind = open.kind as ConditionKind;
    // A new episode of the same kind replaced it (more held deletions, say): no "resolved".
    const superseded = kindsInForce.has(kind);
    const cleared = newDoc(deps, {
      kind,
      episode: open.episode,
      event: "cleared",
      severity: "resolved",
      title: CLEARED_TITLES[kind] ?? `Resolved: ${open.title}`,
      detail: `Was: ${open.title}.`,
    }, superseded ? "superseded" : "pending");
    if (await deps.store.claim(cleared)) await deps.store.update(open._id, { cleared: true });
  }
}

/** Delivers every due message the hourly limit allows. */
async function deliverDue(deps: NotifierDeps): Promise<void> {
  const now = deps.now();
  const due = await deps.store.due(now, 50);
  let sent = await deps.store.sentSince(new Date(now.getTime() - 3_600_000));
  for (const doc of due) {
    if (sent >= deps.maxPerHour) {
      // Held back, not dropped: the next pump after the window moves delivers it.
      await deps.store.update(doc._id, { nextAttemptAt: new Date(now.getTime() + 300_000) });
      deps.logger.warn("⚠️ Notification held back by NOTIFY_MAX_PER_HOUR", { id: doc._id });
      continue;
    }
    // Another replica may be at the same message: one attempt is taken by one deliverer.
    if (!(await deps.store.take(doc._id, doc.attempts, new Date(now.getTime() + 300_000), now))) {
      continue;
    }
    if (await deliver(deps, doc)) sent++;
  }
}

/** Sends one message to each transport that has not taken it yet; true when all have. */
async function deliver(deps: NotifierDeps, doc: NotificationDoc): Promise<boolean> {
  const n: Notification = {
    id: doc._id,
    event: doc.event,
    kind: doc.kind as ConditionKind,
    episode: doc.episode,
    severity: doc.severity,
    title: doc.title,
    detail: doc.detail,
    at: doc.createdAt,
    runner: doc.runner,
  };
  const sentBy = [...doc.sentBy];
  const errors: string[] = [];
  for (const t of deps.transports.filter((t) => !sentBy.includes(t.name))) {
    try {
      await t.send(n);
      sentBy.push(t.name);
    } catch (e) {
      errors.push(`${t.name}: ${clean(deps, e)}`);
    }
  }
  const attempts = doc.attempts + 1;
  if (errors.length === 0) {
    await deps.store.update(doc._id, {
      status: "sent",
      sentBy,
      attempts,
      sentAt: deps.now(),
      nextAttemptAt: null,
      lastError: null,
    });
    deps.logger.info(`📣 Notified: ${doc.title}`, { id: doc._id, via: sentBy.join(",") });
    return true;
  }
  const giveUp = attempts >= (deps.maxAttempts ?? 8);
  const waitMs = Math.min(1_800_000, (deps.retryBaseMs ?? 30_000) * 2 ** (attempts - 1));
  await deps.store.update(doc._id, {
    status: giveUp ? "failed" : "pending",
    sentBy,
    attempts,
    lastError: errors.join("; "),
    nextAttemptAt: giveUp ? null : new Date(deps.now().getTime() + waitMs),
  });
  deps.logger.warn(
    giveUp
      ? `❌ Notification not delivered after ${attempts} attempts; giving up`
      : "⚠️ Notification delivery failed; retrying",
    { id: doc._id, error: errors.join("; "), ...(giveUp ? {} : { retryInMs: waitMs }) },
  );
  return sentBy.length > doc.sentBy.length;
}

/** An error's message with the secrets cut out. */
function clean(deps: NotifierDeps, e: unknown): string {
  return redact(e instanceof Error ? e.message : String(e), deps.secrets);
}
