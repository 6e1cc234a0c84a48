/**
 * A misspelled variable is silently ignored by a schema that reads only the
 * names it knows — `SYNC_INTERVALL=15m` left the interval at 6 hours. This
 * finds the variables that carry one of the project's prefixes but are not
 * ones it reads, each with the closest known name, for a warning at start.
 * Pure: the caller passes the environment and prints.
 *
 * @module
 */
import { KNOWN_ENV_NAMES, PROJECT_PREFIXES } from "./env-names.ts";

/** A variable nobody reads, and the known one it most resembles. */
export interface UnknownVariable {
  name: string;
  closest: string;
}

/**
 * The optimal-string-alignment distance (Levenshtein plus adjacent swaps).
 *
 * @example
 * ```ts
 * editDistance("SYNC_INTERVALL", "SYNC_INTERVAL"); // 1
 * editDistance("SCMI_PAGE_SIZE", "SCIM_PAGE_SIZE"); // 1
 * ```
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The variables of `env` with one of our prefixes that we do not read.
 *
 * @param known the names read @default KNOWN_ENV_NAMES
 * @example
 * ```ts
 * unknownVariables({ SYNC_INTERVALL: "15m", PATH: "/usr/bin" }); // [{ name: "SYNC_INTERVALL", closest: "SYNC_INTERVAL" }]
 * ```
 */
export function unknownVariables(
  env: Readonly<Record<string, string | undefined>>,
  known: readonly string[] = KNOWN_ENV_NAMES,
): UnknownVariable[] {
  const names = new Set(known);
  return Object.keys(env)
    .filter((n) => !names.has(n) && PROJECT_PREFIXES.some((p) => n.toUpperCase().startsWith(p)))
    .sort()
    .map((name) => ({
      name,
      closest: known.reduce((best, k) =>
        editDistance(name.toUpperCase(), k) < editDistance(name.toUpperCase(), best) ? k : best
      ),
    }));
}

/**
 * One warning line per unknown variable, naming the closest known one.
 *
 * @example
 * ```ts
 * unknownVariableWarnings({ SYNC_INTERVALL: "15m" });
 * // ["SYNC_INTERVALL is not a variable scim-sync reads, so it is ignored: did you mean SYNC_INTERVAL?"]
 * ```
 */
export function unknownVariableWarnings(
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  return unknownVariables(env).map(({ name, closest }) =>
    `${name} is not a variable scim-sync reads, so it is ignored: did you mean ${closest}?`
  );
}
