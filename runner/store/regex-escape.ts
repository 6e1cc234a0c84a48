/**
 * Text as a literal inside a MongoDB `$regex` (a prefix search, an id prefix).
 *
 * @module
 */

/**
 * Escapes every character a regular expression reads as syntax.
 *
 * @example
 * ```ts
 * escapeRegex("a.b*"); // "a\\.b\\*"
 * col.find({ _id: { $regex: `^${escapeRegex(prefix)}` } });
 * ```
 */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
