/**
 * What the store tunes by the server it talks to. FerretDB (1.24) hangs on an
 * `update` command of 100 or more statements, so its update chunks stay at
 * 50; a MongoDB-like server takes the driver's batches whole. FerretDB names
 * itself in `buildInfo` (a `ferretdb` section); a server that does not answer
 * `buildInfo` is treated as FerretDB, the careful choice.
 *
 * @module
 */
import type { Db } from "mongodb";

/** Statements per update command on FerretDB: it hangs at 100 or more. */
export const FERRETDB_UPDATE_CHUNK = 50;
/** Statements per update command elsewhere: one command per page of changes. */
export const MONGODB_UPDATE_CHUNK = 1000;

/**
 * Whether a `buildInfo` answer comes from FerretDB (pure).
 *
 * @example
 * ```ts
 * isFerretDb({ version: "7.0.77", ferretdb: { version: "v1.24.0" } }); // true
 * isFerretDb({ version: "7.0.14" }); // false
 * ```
 */
export function isFerretDb(buildInfo: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(buildInfo).some((k) => k.toLowerCase().includes("ferretdb")) ||
    JSON.stringify(buildInfo).toLowerCase().includes("ferretdb");
}

/**
 * The update chunk size for this server, asked once per store (FerretDB-only limit).
 *
 * @example
 * ```ts
 * const size = await updateChunkSize(db); // 50 on FerretDB, 1000 elsewhere
 * ```
 */
export async function updateChunkSize(db: Db): Promise<number> {
  try {
    const info = await db.command({ buildInfo: 1 });
    return isFerretDb(info) ? FERRETDB_UPDATE_CHUNK : MONGODB_UPDATE_CHUNK;
  } catch {
    return FERRETDB_UPDATE_CHUNK;
  }
}
