/**
 * One measured step of the benchmark, run in its own Bun process so its peak
 * memory is its own: `bun bench/step.ts <ours|floor|naive> [--reset]`.
 * Reads the same environment as the runner; prints one JSON line:
 * `{ mode, ms, phases, maxRssMB, writes, status }`.
 *
 * - ours:  the product's full sync (runtime.runSync); a delta from
 *          BENCH_SINCE (an ISO date) with BENCH_SYNC=delta. `requests`: the
 *          requests it sent to the SSO; `indexReads` (deltas): the documents
 *          it read from MongoDB to diff against.
 * - floor: fetching alone (every page listed and parsed, nothing kept) plus
 *          inserting alone: the documents the product stores (built untimed
 *          by its own builders: search keys, email key, role, hash, stamps)
 *          inserted with unordered insertMany in batches of 10,000, from a
 *          second, untimed listing page by page, so that neither overlaps the
 *          other and the floor holds no million documents.
 * - naive: per resource findOne, then updateOne or insertOne.
 * - parts: on a synced database, the two reads a no-op full sync cannot skip,
 *          timed apart: every page from the SSO (`fetchMs`) and the index of
 *          existing users and units from MongoDB (`indexMs`, the engine's
 *          projection, decoded by the driver). `indexRawMs`: the same read
 *          with no decoding at all (`raw: true`), the bytes alone, for the
 *          stricter ratio the README gives beside the target's.
 *
 * @module
 */
import { createLogger, silentLogger } from "../shared/logger.ts";
import { mapGroup, type MapResult, mapUser } from "../shared/mapping.ts";
import { contentHash, orgUnitHashFields, userHashFields } from "../runner/content-hash.ts";
import { newOrgUnitDoc, newUserDoc } from "../runner/documents/ofm-documents.ts";
import { loadConfig } from "../runner/config.ts";
import { createRuntime } from "../runner/compose.ts";
import { connectMongo } from "../runner/store/mongo.ts";
import { serverTraits } from "../runner/store/server-kind.ts";
import { userIndexProjection } from "../runner/store/sync-store.ts";
import type { KeyedIndex } from "../runner/store/keyed-index.ts";

const mode = process.argv[2];
const config = loadConfig(process.env);
const logger = process.env.BENCH_VERBOSE ? createLogger({ format: "pretty" }) : silentLogger;

/** The floor's insert batch: bounded memory at a million, few enough round trips to stay a floor. */
const FLOOR_BATCH = 10_000;

/** The page size the engine asks for (passes.ts listingMode): SCIM_PAGE_SIZE within the SSO's cap. */
async function pageSize(runtime: Awaited<ReturnType<typeof createRuntime>>): Promise<number> {
  const spc = await runtime.client.serviceProviderConfig();
  return Math.min(config.pageSize, 1000, spc.filter.maxResults ?? 1000);
}

/**
 * The floor's inserts: `resource` listed page by page with plain GETs (no page in flight
 * while a batch is inserted), mapped, and inserted with unordered insertMany of FLOOR_BATCH
 * documents; only the inserts are timed.
 */
async function insertAll(
  runtime: Awaited<ReturnType<typeof createRuntime>>,
  db: Awaited<ReturnType<typeof connectMongo>>["db"],
  resource: "Groups" | "Users",
  collection: string,
  map: (raw: unknown) => { ok: boolean; value?: object },
): Promise<{ ms: number; writes: number }> {
  const count = String(await pageSize(runtime));
  let batch: object[] = [];
  let ms = 0;
  let writes = 0;
  const insert = async () => {
    const t = performance.now();
    if (batch.length > 0) await db.collection(collection).insertMany(batch, { ordered: false });
    ms += performance.now() - t;
    writes += batch.length;
    batch = [];
  };
  for (let start = 1;;) {
    const page = await runtime.client.get(`/${resource}`, { startIndex: String(start), count });
    const resources = (page as { Resources?: unknown[] }).Resources ?? [];
    if (resources.length === 0) break;
    start += resources.length;
    for (const raw of resources) {
      const r = map(raw);
      if (r.ok) batch.push({ ...r.value });
    }
    if (batch.length >= FLOOR_BATCH) await insert();
  }
  await insert();
  return { ms, writes };
}

/** A mapper whose mapped value is then built into the document the product stores. */
function stored<T>(
  map: (raw: unknown) => MapResult<T>,
  build: (value: T) => object,
): (raw: unknown) => { ok: boolean; value?: object } {
  return (raw) => {
    const r = map(raw);
    return r.ok ? { ok: true, value: build(r.value) } : { ok: false };
  };
}

async function fetchAll(
  runtime: Awaited<ReturnType<typeof createRuntime>>,
  resource: "Users" | "Groups",
  keep = true,
) {
  const out: unknown[] = [];
  const count = await pageSize(runtime);
  // `keep: false` (the no-op's "fetch alone"): holding 100,000 parsed users would make the
  // fetch slower than fetching is, and the ratio against it kinder than it should be.
  for await (const page of runtime.client.pages(resource, { count })) {
    if (keep) out.push(...page.resources);
  }
  return out;
}

async function serverWrites(db: Awaited<ReturnType<typeof connectMongo>>["db"]): Promise<number> {
  // opcounters are MongoDB's; FerretDB answers serverStatus without them, so fall back to -1.
  try {
    const s = await db.admin().command({ serverStatus: 1 });
    const o = s.opcounters as { insert?: number; update?: number; delete?: number } | undefined;
    return o ? Number(o.insert ?? 0) + Number(o.update ?? 0) + Number(o.delete ?? 0) : -1;
  } catch {
    return -1;
  }
}

/**
 * Counts the documents a delta's keyed indexes read (store/keyed-index.ts): the runtime's
 * sync shares this store object, so the wrapped factories are the ones the run calls.
 */
function countIndexReads(runtime: Awaited<ReturnType<typeof createRuntime>>) {
  const made: KeyedIndex[] = [];
  const store = runtime.store;
  const users = store.deltaUserIndex.bind(store);
  const units = store.deltaOrgUnitIndex.bind(store);
  store.deltaUserIndex = (relieve) => keep(made, users(relieve));
  store.deltaOrgUnitIndex = () => keep(made, units());
  return () => made.reduce((n, i) => n + i.reads.byKey + i.reads.whole, 0);
}

function keep(made: KeyedIndex[], index: KeyedIndex): KeyedIndex {
  made.push(index);
  return index;
}

async function main() {
  const runtime = await createRuntime(config, logger);
  const db = runtime.mongo.db;
  const result: Record<string, unknown> = { mode };
  if (mode === "ours") {
    const since = process.env.BENCH_SINCE ? new Date(process.env.BENCH_SINCE) : undefined;
    const type = process.env.BENCH_SYNC === "delta" ? "delta" : "full";
    const reads = countIndexReads(runtime);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const { history, requests } = await runtime.runSync({ type, since, force: true });
    // What a delta read from MongoDB to diff against (documents, by key or the index whole).
    if (type === "delta") result.indexReads = reads();
    result.ms = performance.now() - t0;
    result.requests = requests;
    // This process's own CPU over the sync: the rest of the wall time is waiting (SSO, database).
    const cpu = process.cpuUsage(cpu0);
    result.cpuMs = (cpu.user + cpu.system) / 1000;
    result.status = history.status;
    // Why a run failed, so a bench that stops says so (codes and messages carry no secrets).
    if (history.error) result.error = history.error;
    result.stats = { ...history.stats, errors: history.stats.errors.length };
    result.writes = history.stats.usersCreated + history.stats.usersUpdated +
      history.stats.usersDeactivated +
      history.stats.orgUnitsCreated + history.stats.orgUnitsUpdated +
      history.stats.orgUnitsDeactivated;
  } else if (mode === "floor") {
    await db.collection("users").deleteMany({});
    await db.collection("orgUnits").deleteMany({});
    // Fetching alone: every page listed and parsed, nothing kept (as the no-op's "parts").
    const t0 = performance.now();
    await fetchAll(runtime, "Groups", false);
    await fetchAll(runtime, "Users", false);
    const phases = { fetchMs: performance.now() - t0, insertMs: 0 };
    // Inserting alone: the pages fetched again one at a time (untimed, nothing in flight
    // meanwhile), mapped (untimed), and inserted in batches (timed).
    // The documents the product stores (search keys, email key, role, hash, stamps), built by
    // its own builders: the floor pays the same index entries and bytes as ours, no fewer.
    const at = new Date();
    const stamp = { at, source: "full_sync" as const };
    const units = await insertAll(
      runtime,
      db,
      "Groups",
      "orgUnits",
      stored(
        mapGroup,
        (g) => newOrgUnitDoc(g, { ...stamp, hash: contentHash(g, orgUnitHashFields) }),
      ),
    );
    const hashFields = userHashFields(config.excludeFields);
    const people = await insertAll(
      runtime,
      db,
      "Users",
      "users",
      stored(mapUser, (u) =>
        newUserDoc(u, {
          ...stamp,
          hash: contentHash(u, hashFields),
          superAdminEmails: config.superAdminEmails,
        })),
    );
    phases.insertMs = units.ms + people.ms;
    result.ms = phases.fetchMs + phases.insertMs;
    result.phases = phases;
    result.writes = units.writes + people.writes;
    result.status = "success";
  } else if (mode === "naive") {
    const t0 = performance.now();
    let writes = 0;
    const users = db.collection("users");
    const units = db.collection("orgUnits");
    for (const raw of await fetchAll(runtime, "Groups")) {
      const r = mapGroup(raw);
      if (!r.ok) continue;
      const { _id, ...rest } = r.value;
      const found = await units.findOne({ _id: _id as never });
      if (found) await units.updateOne({ _id: _id as never }, { $set: rest });
      else await units.insertOne({ ...r.value } as never);
      writes++;
    }
    for (const raw of await fetchAll(runtime, "Users")) {
      const r = mapUser(raw);
      if (!r.ok) continue;
      const found = await users.findOne({ ssoUserId: r.value.ssoUserId });
      if (found) await users.updateOne({ ssoUserId: r.value.ssoUserId }, { $set: r.value });
      else await users.insertOne({ ...r.value, role: "employee" });
      writes++;
    }
    result.ms = performance.now() - t0;
    result.writes = writes;
    result.status = "success";
  } else if (mode === "parts") {
    const t0 = performance.now();
    await fetchAll(runtime, "Groups", false);
    await fetchAll(runtime, "Users", false);
    const fetchMs = performance.now() - t0;
    const { updatesById } = await serverTraits(db);
    const readIndex = async (raw: boolean) => {
      const t = performance.now();
      let entries = 0;
      for await (
        const _ of db.collection("users").find({}, {
          projection: userIndexProjection(updatesById),
          batchSize: 5000,
          raw,
        })
      ) entries++;
      for await (
        const _ of db.collection("orgUnits").find({}, {
          projection: { _id: 1, syncHash: 1, isActive: 1 },
          raw,
        })
      ) entries++;
      return { ms: performance.now() - t, entries };
    };
    const { ms: indexMs, entries } = await readIndex(false);
    const { ms: indexRawMs } = await readIndex(true);
    result.ms = fetchMs + indexMs;
    result.phases = { fetchMs, indexMs, indexRawMs, entries };
    result.writes = 0;
    result.status = "success";
  } else {
    throw new Error(`unknown mode ${mode}: ours | floor | naive | parts`);
  }
  result.serverWrites = await serverWrites(db);
  result.maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  await runtime.close();
  console.log(JSON.stringify(result));
}

await main();
