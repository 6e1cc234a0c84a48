/**
 * The one deactivation gate, over MongoDB. A reservation reads the latest
 * state of its kind, the active count, decides (gate-state.ts, pure) and
 * commits the next state as a new document whose `_id` carries the next
 * sequence number: the unique `_id` makes the commit a compare-and-swap that
 * every MongoDB-wire server applies atomically (FerretDB included, which has
 * no multi-document transactions and does not apply a conditional update
 * atomically). A caller that loses the race reads again and decides again, so
 * no interleaving of callers — in one process or across replicas — passes the
 * limit. Within one process callers also queue, so they rarely race at all.
 *
 * The active count is read after the state: a settlement in between changes
 * the state and fails the commit; writes of reservations already pending only
 * lower the count, which errs on the side of refusing.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";
import {
  decide,
  EMPTY_GATE,
  type GateFigures,
  gateFigures,
  type GateKind,
  type GatePolicy,
  type GateState,
  prune,
  settle,
} from "./gate-state.ts";

export type { GateFigures, GateKind } from "./gate-state.ts";

/** What the gate needs of persistence (store/gate-store.ts). */
export interface GatePersistence {
  /** The latest committed state of the kind, or the empty state. */
  latest(kind: GateKind): Promise<GateState>;
  /** Stores `state` as the next one; false when another caller committed that `seq` first. */
  commit(kind: GateKind, state: GateState, at: Date): Promise<boolean>;
  /** Active documents of the kind the sync owns (the baseline's "active now"). */
  countActive(kind: GateKind): Promise<number>;
}

/**
 * The gate lost the race too often (dozens of callers at once): nothing was reserved.
 *
 * @example
 * ```ts
 * throw new GateBusyError("users", 64);
 * ```
 */
export class GateBusyError extends ScimSyncError {
  constructor(kind: GateKind, attempts: number) {
    super(
      "GATE_BUSY",
      `The deactivation gate for ${kind} stayed contended for ${attempts} attempts; nothing was ` +
        `deactivated. It is retried with the next delivery or run.`,
    );
  }
}

/** A granted reservation: settle it once with what MongoDB acknowledged (0 releases it). */
export interface GateTicket {
  granted: true;
  id: string;
  n: number;
  forced: boolean;
  figures: GateFigures;
  settle(written: number): Promise<void>;
}

/** A refused request, with the figures that refused it. */
export interface GateRefusal {
  granted: false;
  n: number;
  figures: GateFigures;
}

/** What one path asks for. */
export interface GateAsk {
  kind: GateKind;
  n: number;
  /** Who asks, for the record: `sync:<historyId>`, `webhook:<eventId>`, `purge:<historyId>` … */
  by: string;
  /** `--force` or an operator's approval: passes, recorded, not counted. */
  forced?: boolean;
}

/** The gate as its callers see it. */
export interface DeactivationGate {
  reserve(ask: GateAsk): Promise<GateTicket | GateRefusal>;
  /** The figures now, reserving nothing (previews, the page, health). */
  figures(kind: GateKind): Promise<GateFigures>;
}

/** Options of {@linkcode createGate}. */
export interface GateOptions extends GatePolicy {
  now?: () => Date;
  /** Attempts of one compare-and-swap before GateBusyError. @default 64 */
  maxAttempts?: number;
  /** Backoff between lost races, ms, before jitter. @default 2 */
  backoffMs?: number;
  random?: () => number;
}

let counter = 0;
const EMPTY_FIGURES: GateFigures = {
  counted: 0,
  pending: 0,
  baseline: 0,
  allowed: 0,
  remaining: 0,
  windowMs: 0,
};
const reservationId = () =>
  `${Date.now().toString(36)}-${(counter++).toString(36)}-${
    Math.random().toString(36).slice(2, 8)
  }`;

/**
 * Creates the gate over its persistence.
 *
 * @example
 * ```ts
 * const gate = createGate(createGateStore(db), { limit: { kind: "percent", value: 20 }, windowMs: 86_400_000 });
 * const t = await gate.reserve({ kind: "users", n: 3, by: "sync:665f" });
 * if (t.granted) { const written = await deactivate(); await t.settle(written); }
 * ```
 */
export function createGate(store: GatePersistence, options: GateOptions): DeactivationGate {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 64;
  const queues: Record<GateKind, Promise<unknown>> = {
    users: Promise.resolve(),
    orgUnits: Promise.resolve(),
  };
  /** One compare-and-swap loop at a time per kind in this process. */
  const serial = <T>(kind: GateKind, fn: () => Promise<T>): Promise<T> => {
    const run = queues[kind].then(fn, fn);
    queues[kind] = run.catch(() => {});
    return run;
  };
  /** Reads, computes the next state (null: nothing to commit), commits; again on a lost race. */
  async function cas<T>(
    kind: GateKind,
    step: (state: GateState, at: Date) => Promise<{ next: GateState | null; value: T }>,
  ): Promise<T> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const at = now();
      const state = prune(await store.latest(kind), at, options);
      const { next, value } = await step(state, at);
      if (next === null || (await store.commit(kind, next, at))) return value;
      const wait = (options.backoffMs ?? 2) * Math.min(attempt, 16) * (0.5 + random());
      await new Promise((r) => setTimeout(r, wait));
    }
    throw new GateBusyError(kind, maxAttempts);
  }

  function ticket(kind: GateKind, id: string, n: number, forced: boolean, figures: GateFigures) {
    let settled: Promise<void> | null = null;
    return {
      granted: true as const,
      id,
      n,
      forced,
      figures,
      settle: (written: number) =>
        settled ??= serial(kind, () =>
          cas(kind, (state, at) => {
            return Promise.resolve({ next: settle(state, id, written, at), value: undefined });
          })),
    };
  }

  return {
    reserve(ask) {
      const id = reservationId();
      const forced = ask.forced === true;
      // Nothing to deactivate needs no reservation (and must never be refused).
      if (ask.n === 0) {
        return Promise.resolve({
          ...ticket(ask.kind, id, 0, forced, EMPTY_FIGURES),
          settle: () => Promise.resolve(),
        });
      }
      return serial(ask.kind, () =>
        cas<GateTicket | GateRefusal>(ask.kind, async (state, at) => {
          const active = await store.countActive(ask.kind);
          const d = decide(state, { n: ask.n, id, by: ask.by, forced }, active, options, at);
          if (!d.granted) {
            return { next: null, value: { granted: false as const, n: ask.n, figures: d.figures } };
          }
          return { next: d.next, value: ticket(ask.kind, id, ask.n, forced, d.figures) };
        }));
    },
    async figures(kind) {
      const state = prune(await store.latest(kind), now(), options);
      return gateFigures(state, await store.countActive(kind), options);
    },
  };
}

/** The state an empty collection stands for. */
export { EMPTY_GATE };
