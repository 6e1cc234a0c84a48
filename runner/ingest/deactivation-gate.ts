/**
 * The webhook side of the accidental-deletion guard: before an event
 * deactivates a user or an org unit, the gate reads the window's count
 * (syncHistory and webhookEvents) and the active count from the injected
 * {@linkcode DeactivationCounts} (the store), and asks the injected decision
 * (sync/guard.ts, wired by the composition root) whether one more fits.
 *
 * One deactivation at a time in this process: a grant holds the gate until
 * its outcome is recorded (`release`), so every check reads counts in which
 * all earlier grants are written — a burst of concurrent deletes cannot pass
 * on one count, nor inflate the active count with deletes still in flight.
 * Deletes are rare; serialising them costs little. Two runner replicas
 * accepting webhooks at once may each grant the last slot.
 *
 * @module
 */
import type { WindowDeactivations } from "../store/history-store.ts";

/**
 * The counts the gate reads; the store's webhook side provides them
 * (store/webhook-stores.ts).
 *
 * @example
 * ```ts
 * const counts: DeactivationCounts = { deactivationsSince: history.deactivationsSince, countActive: resources.countActive };
 * ```
 */
export interface DeactivationCounts {
  /** Deactivations the guard counts since `from` (syncHistory and webhookEvents). */
  deactivationsSince(from: Date): Promise<WindowDeactivations>;
  /** Active documents of the type now. */
  countActive(type: "User" | "Group"): Promise<number>;
}

/** The decision the gate asks for: may `proposed` more deactivations happen? */
export type DeactivationDecision = (input: {
  resourceType: "User" | "Group";
  /** Active documents now. */
  activeNow: number;
  /** Deactivations counted in the window, pending grants included. */
  deactivatedInWindow: number;
  proposed: number;
}) => boolean;

/** Options of {@linkcode createDeactivationGate}. */
export interface DeactivationGuardOptions {
  /** SYNC_GUARD_WINDOW in ms. */
  windowMs: number;
  allows: DeactivationDecision;
}

/** What {@linkcode createDeactivationGate} returns. */
export type DeactivationGate = ReturnType<typeof createDeactivationGate>;

/**
 * Creates the gate.
 *
 * @param counts where the window's and the active counts are read
 * @param options window and decision
 * @param now the clock
 * @returns `reserve(type)` (true: go ahead, and call `release(type)` once the outcome is recorded)
 *
 * @example
 * ```ts
 * const gate = createDeactivationGate(counts, { windowMs: 86_400_000, allows: (i) => i.deactivatedInWindow + i.proposed <= 10 }, () => new Date());
 * if (await gate.reserve("User")) { try { await deactivate(); await record(); } finally { gate.release("User"); } }
 * ```
 */
export function createDeactivationGate(
  counts: DeactivationCounts,
  options: DeactivationGuardOptions,
  now: () => Date,
) {
  let chain: Promise<unknown> = Promise.resolve();
  /** Ends the turn of the grant in progress. */
  let endTurn: (() => void) | null = null;

  async function check(type: "User" | "Group"): Promise<boolean> {
    const from = new Date(now().getTime() - options.windowMs);
    const [counted, activeNow] = await Promise.all([
      counts.deactivationsSince(from),
      counts.countActive(type),
    ]);
    const inWindow = type === "User" ? counted.users : counted.orgUnits;
    return options.allows({
      resourceType: type,
      activeNow,
      deactivatedInWindow: inWindow,
      proposed: 1,
    });
  }

  return {
    /**
     * Asks for one deactivation. True holds the gate until {@linkcode release};
     * rejects when MongoDB cannot answer (the event then fails and comes again).
     */
    reserve(type: "User" | "Group"): Promise<boolean> {
      let answer!: (ok: boolean) => void;
      let fail!: (e: unknown) => void;
      const decided = new Promise<boolean>((resolve, reject) => {
        answer = resolve;
        fail = reject;
      });
      chain = chain.then(async () => {
        let ok: boolean;
        try {
          ok = await check(type);
        } catch (e) {
          fail(e);
          return;
        }
        if (!ok) return answer(false);
        const released = new Promise<void>((resolve) => (endTurn = resolve));
        answer(true);
        await released;
      });
      return decided;
    },
    /** The granted deactivation is written and recorded (or did not happen): the next ask may go. */
    release(_type: "User" | "Group"): void {
      const end = endTurn;
      endTurn = null;
      end?.();
    },
  };
}
