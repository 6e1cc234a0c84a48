/**
 * What the store tunes by the server it talks to. FerretDB (1.24) hangs on an
 * `update` command of 100 or more statements, so its update chunks stay at
 * 50, and it finds a document fast only by `_id`; a MongoDB-like server takes
 * the driver's batches whole and finds users by their unique `ssoUserId`. FerretDB names
 * itself in `buildInfo` (a `ferretdb` section); a server that does not answer
 * `buildInfo` is treated as FerretDB, the careful choice.
 *
 * @module
 */
import { type Db, MongoServerError } from "mongodb";
import { ONE_COMMAND } from "./bulk.ts";

/** Statements per update command on FerretDB: it hangs at 100 or more. */
export const FERRETDB_UPDATE_CHUNK = 50;
/** Statements per update command elsewhere: one command per chunk of changes (bulk.ts). */
export const MONGODB_UPDATE_CHUNK = ONE_COMMAND;

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

/** What the store does differently by server, asked once per store. */
export interface ServerTraits {
  /** Statements per update command. */
  updateChunk: number;
  /**
   * Whether updates filter on `_id`, so the index carries every `_id`: FerretDB pushes only
   * `_id` filters down to its index. Elsewhere the unique `ssoUserId` index serves as well, and
   * not reading 100,000 ObjectIds made the index read 635 → 515 ms and the index 66 → 24 MB.
   */
  updatesById: boolean;
  /**
   * Whether one update of one document is atomic. FerretDB 1.24 reads the document, applies
   * the operators in its own process and writes the whole document back: an update of the
   * same document landing in between is lost, whatever the filter said (it is matched at the
   * read). So on FerretDB nothing rewrites documents in the background beside the live paths:
   * a search-key backfill once replaced a webhook's deactivation that MongoDB had acknowledged
   * (tests/runner/faults/gate-replicas.test.ts, about 1 run in 5 under load).
   */
  atomicUpdates: boolean;
}

const FERRETDB: ServerTraits = {
  updateChunk: FERRETDB_UPDATE_CHUNK,
  updatesById: true,
  atomicUpdates: false,
};
const MONGODB: ServerTraits = {
  updateChunk: MONGODB_UPDATE_CHUNK,
  updatesById: false,
  atomicUpdates: true,
};

/**
 * The traits of this server (FerretDB-only limits and paths behind one question).
 *
 * @example
 * ```ts
 * const { updateChunk, updatesById } = await serverTraits(db); // 50 and true on FerretDB
 * ```
 */
export async function serverTraits(db: Db): Promise<ServerTraits> {
  return (await probe(db)).traits;
}

/**
 * The traits of this server, asked once and remembered — once the server has answered. A
 * probe that got no answer at all (MongoDB unreachable at that moment) gives FerretDB's
 * careful traits for that call only: remembered, they would have kept a runner on MongoDB in
 * FerretDB's small chunks and one-by-one writes for the rest of its life.
 *
 * @example
 * ```ts
 * const traits = serverTraitsOnce(db);
 * if ((await traits()).atomicUpdates) { … } // buildInfo asked on the first call only
 * ```
 */
export function serverTraitsOnce(db: Db): () => Promise<ServerTraits> {
  let known: ServerTraits | undefined;
  let asking: Promise<ServerTraits> | undefined;
  return () => {
    if (known) return Promise.resolve(known);
    asking ??= probe(db).then(({ traits, answered }) => {
      if (answered) known = traits;
      asking = undefined;
      return traits;
    });
    return asking;
  };
}

async function probe(db: Db): Promise<{ traits: ServerTraits; answered: boolean }> {
  try {
    const info = await db.command({ buildInfo: 1 });
    return { traits: isFerretDb(info) ? FERRETDB : MONGODB, answered: true };
  } catch (e) {
    // A server that refuses buildInfo has answered (and will again): FerretDB's, for good.
    return { traits: FERRETDB, answered: e instanceof MongoServerError };
  }
}
