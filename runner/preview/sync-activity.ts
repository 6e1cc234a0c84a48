/**
 * What previews yield to: a sync running in this process (counted by the
 * composition root, with an event when one begins) or the sync lease held
 * anywhere — by another replica, `npm run sync` or `npm run purge -- --apply` —
 * since they spend the same client's allowance at the SSO. The background
 * limiter asks {@linkcode SyncActivity.busy} before each preview request; the
 * preview flight restarts a preview when a sync begins here
 * (preview-flight.ts). The lease is read at most once per `ttlMs`.
 *
 * @module
 */

/** Options of {@linkcode createSyncActivity}. */
export interface SyncActivityOptions {
  /** The lease's current holder, or null when it is free or expired. */
  leaseHolder: () => Promise<unknown | null>;
  /** @default Date.now */
  now?: () => number;
  /** How long a read of the lease is reused. @default 2000 */
  ttlMs?: number;
}

/** Syncs under way, as previews see them. */
export interface SyncActivity {
  /** Marks a sync of this process as running; call the returned function when it ends. */
  begin(): () => void;
  /** A sync runs here, or the lease is held anywhere. */
  busy(): Promise<boolean>;
  /** Calls `fn` whenever a sync of this process begins; returns the unsubscribe. */
  onBegin(fn: () => void): () => void;
}

/**
 * Creates the activity tracker.
 *
 * @example
 * ```ts
 * const activity = createSyncActivity({ leaseHolder: () => leases.holder("scim-sync") });
 * const end = activity.begin();
 * try { await runSync(deps, options); } finally { end(); }
 * const previews = limiter.background({ busy: activity.busy });
 * ```
 */
export function createSyncActivity(options: SyncActivityOptions): SyncActivity {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 2000;
  const listeners = new Set<() => void>();
  let running = 0;
  let held = false;
  let readAt = -Infinity;
  let reading: Promise<boolean> | null = null;
  const readLease = () => (reading ??= options.leaseHolder().then(
    (h) => h !== null,
    // MongoDB unreachable: no sync can hold the lease either.
    () => false,
  ).then((h) => {
    held = h;
    readAt = now();
    reading = null;
    return h;
  }));
  return {
    begin() {
      running++;
      for (const fn of [...listeners]) fn();
      let ended = false;
      return () => {
        if (!ended) running--;
        ended = true;
      };
    },
    async busy() {
      if (running > 0) return true;
      return now() - readAt < ttlMs ? held : await readLease();
    },
    onBegin(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
