/**
 * Notifications over the runner's records: reads what is recorded (recent
 * runs, held deletions, the quarantine), evaluates the conditions
 * (conditions.ts) and hands them to the notifier (notifier.ts). `check()` is
 * what the runner calls after every run and once a minute; it never throws
 * and never waits for a delivery.
 *
 * @module
 */
import type { Logger } from "../../shared/logger.ts";
import type { SyncHistoryDoc } from "../store/collections.ts";
import type { NotificationStore } from "../store/notification-store.ts";
import { quarantineState } from "../scheduler/quarantine.ts";
import { evaluateConditions, type NotifyFacts, type RunFacts } from "./conditions.ts";
import type { NotifyConfig } from "../notify-config.ts";
import { createNotifier, type Notifier } from "./notifier.ts";
import { emailTransport, type Transport, webhookTransport } from "./transports.ts";

/** Dependencies of {@linkcode createNotifications}. */
export interface NotificationsDeps {
  config: NotifyConfig;
  quarantine: { after: number; intervalMs: number };
  store: NotificationStore;
  logger: Logger;
  now: () => Date;
  runner: string;
  secrets: readonly string[];
  recentHistory(limit: number): Promise<SyncHistoryDoc[]>;
  /** Held deactivations waiting for a decision, oldest first (their item ids). */
  held(limit: number): Promise<{ id: string }[]>;
  quarantineRetryAt(): Promise<Date | null>;
  /** Instead of the configured transports (tests). */
  transports?: readonly Transport[];
}

/** The handle. */
export interface Notifications {
  /** True when a webhook or e-mail is configured. */
  readonly enabled: boolean;
  notifier: Notifier;
  /** Evaluates and records; deliveries run in the background. Never throws. */
  check(): Promise<void>;
  /**
   * Waits for the checks under way and their deliveries, at most `ms` (a command
   * about to exit; the daemon never waits).
   */
  settle(ms: number): Promise<void>;
  close(): void;
}

/** The transports the config names. */
export function configuredTransports(c: NotifyConfig): Transport[] {
  return [
    ...(c.webhook ? [webhookTransport(c.webhook)] : []),
    ...(c.email ? [emailTransport(c.email)] : []),
  ];
}

const asRun = (d: SyncHistoryDoc): RunFacts => ({
  ...d,
  id: d._id?.toHexString() ?? d.startedAt.toISOString(),
  errors: d.stats.errors,
});

/**
 * Creates the notifications of one runner process.
 *
 * @example
 * ```ts
 * const notifications = createNotifications({ config: config.notify, quarantine, store, logger, now, runner, secrets,
 *   recentHistory: (n) => history.recent(n),
 *   held: async (n) => (await held.page(1, n)).items.map((i) => ({ id: i._id })),
 *   quarantineRetryAt: notes.quarantineRetryAt });
 * await notifications.check();
 * ```
 */
export function createNotifications(deps: NotificationsDeps): Notifications {
  const transports = deps.transports ?? configuredTransports(deps.config);
  const notifier = createNotifier({
    store: deps.store,
    transports,
    logger: deps.logger,
    now: deps.now,
    runner: deps.runner,
    maxPerHour: deps.config.maxPerHour,
    secrets: deps.secrets,
  });
  const facts = async (): Promise<NotifyFacts> => {
    const [docs, held, retryAt] = await Promise.all([
      deps.recentHistory(50),
      deps.held(1000),
      deps.quarantineRetryAt(),
    ]);
    return {
      runs: docs.map(asRun),
      held: { count: held.length, oldestId: held[0]?.id ?? null },
      quarantine: {
        ...quarantineState(docs, deps.quarantine.after, retryAt),
        intervalMs: deps.quarantine.intervalMs,
      },
    };
  };
  const checking = new Set<Promise<void>>();
  const checkOnce = async () => {
    try {
      await notifier.update(evaluateConditions(await facts(), { failures: deps.config.failures }));
    } catch (e) {
      deps.logger.warn("⚠️ Notifications could not be evaluated", {
        error: e instanceof Error ? e.message : String(e),
      });
    }
  };
  return {
    enabled: transports.length > 0,
    notifier,
    check() {
      if (transports.length === 0) return Promise.resolve();
      const p = checkOnce().finally(() => checking.delete(p));
      checking.add(p);
      return p;
    },
    async settle(ms) {
      const end = Date.now() + ms;
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([...checking]),
        new Promise<void>((r) => (t = setTimeout(r, ms))),
      ]);
      clearTimeout(t);
      await notifier.idle(Math.max(0, end - Date.now()));
    },
    close: () => transports.forEach((t) => t.close?.()),
  };
}
