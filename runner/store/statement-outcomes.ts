/**
 * A grouped write's answer per caller (group-commit.ts): the statements MongoDB
 * refused become their callers' typed errors, the rest their values.
 *
 * @module
 */
import type { StatementError } from "./bulk.ts";
import { DuplicateKeyError, duplicateKeyOf, StoreError } from "./driver-errors.ts";
import type { Outcome } from "./group-commit.ts";

/**
 * One outcome per statement: `values[i]`, or the error of statement `i` when it was refused
 * (E11000 as {@linkcode DuplicateKeyError}, anything else as {@linkcode StoreError}).
 *
 * @param values what each statement's caller gets when it was written
 * @param refused the refused statements, by index
 * @returns one outcome per value, in order
 *
 * @example
 * ```ts
 * outcomesOf(["a", "b"], [{ index: 1, code: 11000, errmsg: "E11000 dup key: { eventId: \"e1\" }" }]);
 * // [{ ok: true, value: "a" }, { ok: false, error: DuplicateKeyError }]
 * ```
 */
export function outcomesOf<T>(
  values: readonly T[],
  refused: readonly StatementError[],
): Outcome<T>[] {
  const errors = new Map(refused.map((we) => [we.index, we]));
  return values.map((value, i): Outcome<T> => {
    const we = errors.get(i);
    if (we === undefined) return { ok: true, value };
    return {
      ok: false,
      error: we.code === 11000
        ? new DuplicateKeyError(duplicateKeyOf({ errmsg: we.errmsg }))
        : new StoreError(we.errmsg ?? `write failed with code ${we.code}`, we.code),
    };
  });
}
