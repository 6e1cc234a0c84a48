/**
 * Appending one array to another whatever its length. `a.push(...b)` passes
 * every element of `b` as an argument on the stack: Bun throws "Maximum call
 * stack size exceeded." somewhere between 500,000 and 1,000,000 (Deno at
 * 200,000), which ended the first import of a million people as failed after
 * every one of them was written.
 *
 * @module
 */

/**
 * Appends `items` to `into`, one at a time.
 *
 * @returns `into`
 *
 * @example
 * ```ts
 * const keys = ["a"];
 * pushAll(keys, ["b", "c"]); // ["a", "b", "c"]
 * ```
 */
export function pushAll<T>(into: T[], items: Iterable<T>): T[] {
  for (const item of items) into.push(item);
  return into;
}
