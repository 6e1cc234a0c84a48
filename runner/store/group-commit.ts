/**
 * Group commit inside the process: the calls made in one turn of the event
 * loop leave as one MongoDB command. Under load the edge forwards ~20 events
 * a request and the ingestion API starts them together, so their claims,
 * reads, outcomes and change records would otherwise be ~20 commands each;
 * with this they are one each (the driver's socket writes were a fifth of the
 * runner's CPU per event). An idle runner sends a lone call as soon as the
 * current turn ends: no timer, no added wait.
 *
 * Each call still gets its own answer: `send` returns one outcome per item,
 * so a statement MongoDB refused fails only its own caller. A command that
 * fails as a whole (the server went away) fails every caller in it, as each
 * lone command would have: nothing is retried on the absence of an answer.
 *
 * @module
 */

/** One item's answer from a grouped command. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Options of {@linkcode groupCommit}. */
export interface GroupCommitOptions {
  /** Most items in one command; more in one turn leave as several. @default 1000 */
  max?: number;
  /** Runs `flush` once the current turn's calls are in. @default setImmediate */
  schedule?: (flush: () => void) => void;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Wraps a command over many items as a function of one item, grouping the
 * calls of one turn of the event loop.
 *
 * @param send runs the command for the items, in call order; one outcome per item
 * @param options the most items per command, the scheduler (tests)
 * @returns a function of one item that resolves or rejects with that item's outcome
 * @throws {RangeError} when `max` is not a positive integer
 *
 * @example
 * ```ts
 * const insert = groupCommit(async (docs: Doc[]) => {
 *   await col.insertMany(docs);
 *   return docs.map(() => ({ ok: true, value: undefined }));
 * });
 * await Promise.all([insert(a), insert(b)]); // one insertMany of [a, b]
 * ```
 */
export function groupCommit<I, O>(
  send: (items: I[]) => Promise<Outcome<O>[]>,
  options: GroupCommitOptions = {},
): (item: I) => Promise<O> {
  const max = options.max ?? 1000;
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`groupCommit: max must be a positive integer, got ${max}`);
  }
  const schedule = options.schedule ?? ((flush) => void setImmediate(flush));
  let waiting: Waiting<I, O>[] = [];
  const flush = () => {
    const all = waiting;
    waiting = [];
    for (let i = 0; i < all.length; i += max) dispatch(send, all.slice(i, i + max));
  };
  return (item: I) =>
    new Promise<O>((resolve, reject) => {
      if (waiting.length === 0) schedule(flush);
      waiting.push({ item, resolve, reject });
    });
}

function dispatch<I, O>(
  send: (items: I[]) => Promise<Outcome<O>[]>,
  group: Waiting<I, O>[],
): void {
  // A `send` that throws before its first await fails the group like one that rejects.
  Promise.resolve().then(() => send(group.map((w) => w.item))).then(
    (outcomes) => {
      group.forEach((w, i) => {
        const o = outcomes[i];
        if (o === undefined) {
          w.reject(new Error(`groupCommit: no outcome for item ${i} of ${group.length}`));
        } else if (o.ok) w.resolve(o.value);
        else w.reject(o.error);
      });
    },
    (error: unknown) => {
      for (const w of group) w.reject(error);
    },
  );
}
