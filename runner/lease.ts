/**
 * The sync lease of one runner: take it before a run, keep it alive while the
 * run lasts, give it back after. If a renewal finds the lease gone (this
 * process stalled past the TTL and another replica took over), `onLost` fires
 * so the run can be aborted instead of overlapping the new leader's. So it
 * does when no renewal has been confirmed for a whole TTL (MongoDB does not
 * answer): the lease may have passed to a replica that reaches MongoDB, and a
 * runner that cannot tell must stop as if it had.
 *
 * @module
 */
import { ScimSyncError } from "../shared/errors.ts";
import type { Logger } from "../shared/logger.ts";
import type { LeaseStore } from "./store/lease-store.ts";

/**
 * Why a run stopped when its lease went: taken by another runner, or not confirmed for a TTL.
 *
 * @example
 * ```ts
 * await lease.acquire(() => controller.abort(new LeaseLostError()));
 * ```
 */
export class LeaseLostError extends ScimSyncError {
  constructor() {
    super(
      "LEASE_LOST",
      "Sync stopped: this runner lost the sync lease (another runner took it, or MongoDB did not " +
        "confirm a renewal for LEASE_TTL_MS); the next run resumes.",
    );
  }
}

/** Injected timers: `setTimer` returns a function that cancels it. */
export interface Timer {
  setTimer(ms: number, fn: () => void | Promise<void>): () => void;
}

/** Options of {@linkcode createLease}. */
export interface LeaseOptions {
  store: LeaseStore;
  /** Lease name; one per job that must not overlap. @default "scim-sync" */
  name?: string;
  /** This runner's identity (RUNNER_ID or host:pid). */
  owner: string;
  /** How long a lease lasts without renewal (LEASE_TTL_MS). */
  ttlMs: number;
  timer: Timer;
  logger: Logger;
  /** Told when this runner starts or stops holding the lease (the metrics gauge). */
  onHeldChange?: (held: boolean) => void;
  /** Told when a renewal finds the lease taken by another runner (the flapping alert). */
  onLost?: () => void;
  /** The clock the TTL is counted on. @default the system clock */
  now?: () => Date;
}

/** A runner's handle on the shared lease. */
export interface Lease {
  readonly owner: string;
  /** Takes the lease; false when another replica holds it. Starts renewing on success. */
  acquire(onLost?: () => void): Promise<boolean>;
  /** Stops renewing and frees the lease (if still ours). Never throws. */
  release(): Promise<void>;
  /** True between a successful acquire and release/loss. */
  readonly held: boolean;
}

/** The log line of a lease given up because MongoDB confirmed no renewal for a whole TTL. */
const expiredLine = (ttlMs: number) =>
  `❌ Sync lease expired: no renewal was confirmed for ${ttlMs} ms (LEASE_TTL_MS); ` +
  `the run stops, as another runner may hold the lease now`;

/**
 * Creates the lease handle. Renewal runs every third of the TTL, so two
 * failed renewals in a row still leave time before expiry.
 *
 * @throws {RangeError} when ttlMs is below one second
 * @example
 * ```ts
 * const lease = createLease({ store: createLeaseStore(db), owner: "runner-a", ttlMs: 30_000, timer, logger });
 * if (await lease.acquire(() => controller.abort())) {
 *   try { await runSync(); } finally { await lease.release(); }
 * }
 * ```
 */
export function createLease(options: LeaseOptions): Lease {
  if (!(options.ttlMs >= 1000)) throw new RangeError("ttlMs must be at least 1000");
  const name = options.name ?? "scim-sync";
  const { store, owner, ttlMs, timer, logger } = options;
  const now = () => (options.now ?? (() => new Date()))().getTime();
  let held = false;
  /** Until when the lease is surely ours: the TTL from the start of the last confirmed write. */
  let validUntil = 0;
  let cancelRenew: (() => void) | null = null;
  let lostHandler: (() => void) | undefined;

  const setHeld = (value: boolean) => {
    if (held !== value) options.onHeldChange?.(value);
    held = value;
  };

  const scheduleRenew = () => void (cancelRenew = timer.setTimer(Math.floor(ttlMs / 3), renew));

  /** The lease is no longer surely ours: stop renewing, tell the run (and the alert if taken). */
  const giveUp = (line: string, fields: Record<string, unknown>, taken: boolean) => {
    setHeld(false);
    cancelRenew = null;
    logger.error(line, { lease: name, owner, ...fields });
    if (taken) options.onLost?.();
    lostHandler?.();
  };

  async function renew(): Promise<void> {
    if (!held) return;
    const sentAt = now();
    let ok: boolean;
    try {
      ok = await store.renew(name, owner, ttlMs);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      if (!held) return;
      if (now() >= validUntil) return giveUp(expiredLine(ttlMs), { error }, false);
      // A blip: try again at the next third; the lease stays valid until its TTL.
      logger.warn("⚠️ Lease renewal failed, retrying", { error });
      return scheduleRenew();
    }
    if (!held) return;
    if (!ok) return giveUp("❌ Sync lease lost to another runner", {}, true);
    validUntil = sentAt + ttlMs;
    scheduleRenew();
  }

  return {
    owner,
    get held() {
      return held;
    },
    async acquire(onLost) {
      const sentAt = now();
      const doc = await store.acquire(name, owner, ttlMs);
      if (doc === null) return false;
      validUntil = sentAt + ttlMs;
      lostHandler = onLost;
      cancelRenew?.();
      setHeld(true);
      scheduleRenew();
      return true;
    },
    async release() {
      cancelRenew?.();
      cancelRenew = null;
      lostHandler = undefined;
      const wasHeld = held;
      setHeld(false);
      if (!wasHeld) return;
      // On failure it expires on its own after the TTL.
      await store.release(name, owner).catch((e: unknown) =>
        logger.warn("⚠️ Lease release failed; it expires after its TTL", {
          error: e instanceof Error ? e.message : String(e),
        })
      );
    },
  };
}
