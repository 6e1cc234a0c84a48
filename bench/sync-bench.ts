/**
 * The sync benchmark's measurements on one database server: each measured step
 * runs in its own process (bench/step.ts, or a whole `npm run sync`) against the
 * development SSO in another process, and the samples of every figure are
 * collected for bench/run.ts to summarise. Each database is dropped once its
 * figures are taken, so the server holds one organisation at a time: a million
 * people fit in mongo-java-server's memory.
 *
 * @module
 */
import { MongoClient } from "mongodb";
import { type BenchSso, benchSso } from "./bench-sso.ts";
import { BUN, GUIDE_ALLOWANCE, ROOT } from "./bench-world.ts";

/** What one server's run of the benchmark needs. */
export interface SyncBenchOptions {
  /** The organisation's size (org units users/10). */
  users: number;
  runs: number;
  naiveUsers: number;
  skipChange: boolean;
  /** The size of the runs under the guide's allowance (100 a minute); 0 = none. */
  pacedUsers: number;
  /** Steps under `bun --smol`. */
  smol: boolean;
  ssoUrl: string;
  /** The runner's environment (SSO, MONGODB_URI); each step adds its MONGODB_DB. */
  env: Record<string, string>;
  /** Prefixes the progress lines on stderr. */
  label: string;
}

/** Every sample of every figure, by figure name. */
export type Samples = Record<string, number[]>;

interface Step {
  mode: string;
  ms: number;
  cpuMs?: number;
  writes: number;
  maxRssMB: number;
  status: string;
  requests?: number;
  /** Deltas: documents read from MongoDB to diff against (bench/step.ts). */
  indexReads?: number;
  phases?: Record<string, number>;
}

/** The changes of the small delta: the "a delta bringing 100 changes". */
const SMALL_DELTA = 100;

/** One server's benchmark in progress. */
interface Bench {
  o: SyncBenchOptions;
  sso: BenchSso;
  mongo: MongoClient;
  rows: Samples;
  add(figure: string, value: number): void;
  fresh(tag: string): string;
  step(mode: string, db: string, env?: Record<string, string>): Promise<Step>;
  drop(db: string): Promise<void>;
}

/**
 * Runs the benchmark's steps `runs` times on one database server.
 *
 * @returns the samples (initial, floor, no-op and its parts, whole processes, 1% change,
 *   delta, the paced runs, scaling, naive)
 * @throws {Error} when a step fails, with its output
 *
 * @example
 * ```ts
 * const samples = await measureSync({ users: 1000, runs: 1, naiveUsers: 100, skipChange: false,
 *   pacedUsers: 1000, smol: false, ssoUrl: sso.url, env: runnerEnv(sso.url, mongo.uri), label: "fast" });
 * ```
 */
export async function measureSync(o: SyncBenchOptions): Promise<Samples> {
  const mongo = await new MongoClient(o.env.MONGODB_URI ?? "").connect();
  const rows: Samples = {};
  let dbSeq = 0;
  const b: Bench = {
    o,
    sso: benchSso(o.ssoUrl),
    mongo,
    rows,
    add: (k, v) => void (rows[k] ??= []).push(v),
    fresh: (tag) => `bench_${tag}_${++dbSeq}`,
    step: (mode, db, env = {}) => runStep(o, mode, db, env),
    drop: async (db) => void await mongo.db(db).dropDatabase(),
  };
  try {
    // The tenth first: the database server's JIT is warm before the runs that set the ratios.
    await scalingRuns(b);
    await reset(b, o.users);
    for (let r = 0; r < o.runs; r++) await mainRun(b, r);
    if (o.pacedUsers > 0) await pacedRuns(b);
    await naiveRuns(b);
  } finally {
    await mongo.close();
  }
  return rows;
}

const reset = (b: Bench, users: number) =>
  b.sso.dev("reset", { users, orgUnits: Math.floor(users / 10), seed: 42 });

/** One run at full size: initial, floor, no-op and its parts, whole processes, 1% change, delta. */
async function mainRun(b: Bench, r: number): Promise<void> {
  const { o, add } = b;
  const N = o.users;
  process.stderr.write(`${o.label}: run ${r + 1}/${o.runs} at ${N} users\n`);
  // The floor first, dropped before ours starts: the server holds one organisation at a time.
  const floorDb = b.fresh("floor");
  const floor = await b.step("floor", floorDb);
  await b.drop(floorDb);
  const db = b.fresh("ours");
  const ours = await b.step("ours", db);
  add("initialMs", ours.ms);
  add("initialRequests", ours.requests ?? NaN);
  add("floorMs", floor.ms);
  add("floorRssMB", floor.maxRssMB);
  add("initialOverFloor", ours.ms / floor.ms);
  const noop = await b.step("ours", db);
  // Peak of the runner over the initial and the no-op run (the no-op holds the index of existing users).
  add("peakRssMB", Math.max(ours.maxRssMB, noop.maxRssMB));
  add("noopMs", noop.ms);
  add("noopRequests", noop.requests ?? NaN);
  add("noopOverInitial", noop.ms / ours.ms);
  add("noopWrites", noop.writes);
  add("noopCpuUsPerUser", ((noop.cpuMs ?? NaN) * 1000) / N);
  await noopParts(b, db, noop);
  await wholeProcesses(b, db);
  if (!o.skipChange) await changes(b, db, r, noop);
  await b.drop(db);
}

/** Where a no-op's time goes: the pages and the index it must read anyway, in one process. */
async function noopParts(b: Bench, db: string, noop: Step): Promise<void> {
  const parts = await b.step("parts", db);
  const fetchMs = parts.phases?.fetchMs ?? NaN;
  const indexMs = parts.phases?.indexMs ?? NaN;
  b.add("noopFetchMs", fetchMs);
  b.add("noopIndexMs", indexMs);
  b.add("noopOverReads", noop.ms / (fetchMs + indexMs));
  // Stricter, reported: against the index's bytes alone, read without decoding.
  const indexRawMs = parts.phases?.indexRawMs ?? NaN;
  b.add("noopIndexRawMs", indexRawMs);
  b.add("noopOverRawReads", noop.ms / (fetchMs + indexRawMs));
}

/**
 * The no-op as an operator runs it, `npm run sync` from spawn to exit, against the same
 * reads as whole processes of their own (bench/floor-process.ts): start-up, connection
 * and exit included on both sides.
 */
async function wholeProcesses(b: Bench, db: string): Promise<void> {
  const env = { ...process.env, ...b.o.env, MONGODB_DB: db };
  const npm = await timeProcess(["npm", "run", "--silent", "sync"], env);
  const bun = await timeProcess([BUN, "runner/cli/sync.ts"], env);
  const fetch = await timeProcess([BUN, "bench/floor-process.ts", "fetch"], env);
  const index = await timeProcess([BUN, "bench/floor-process.ts", "index"], env);
  b.add("npmSyncMs", npm);
  b.add("bunSyncMs", bun);
  b.add("fetchProcessMs", fetch);
  b.add("indexProcessMs", index);
  b.add("npmSyncOverProcesses", npm / (fetch + index));
  b.add("bunSyncOverProcesses", bun / (fetch + index));
  process.stderr.write(
    `  ${
      b.o.label.padEnd(8)
    } whole processes: npm run sync ${npm} ms, bun runner/cli/sync.ts ${bun} ms, ` +
      `fetch ${fetch} ms + index ${index} ms\n`,
  );
}

/** A 1% change as a full sync, then another 1% as a delta (BENCH_SYNC=delta), then 100 as one. */
async function changes(b: Bench, db: string, r: number, noop: Step): Promise<void> {
  const N = b.o.users;
  const changed = Math.max(1, Math.floor(N / 100));
  await b.sso.changePhones(N, changed, r);
  const full = await b.step("ours", db);
  b.add("onePctMs", full.ms);
  b.add("onePctOverNoop", full.ms / noop.ms);
  b.add("onePctWrites", full.writes);
  b.add("onePctChanged", changed);
  b.add("onePctRequests", full.requests ?? NaN);
  await measuredDelta(b, db, changed, r + 50, "delta");
  await measuredDelta(b, db, Math.min(SMALL_DELTA, N), r + 60, "delta100");
}

/**
 * `changed` people changed, then a delta sync from just before the change: its time, writes,
 * requests, peak RSS and MongoDB reads as `<prefix>Ms`, `<prefix>Writes`, … (the 1% delta and
 * the delta of 100 changes among everyone stored).
 */
async function measuredDelta(
  b: Bench,
  db: string,
  changed: number,
  salt: number,
  prefix: string,
): Promise<void> {
  const since = b.sso.since();
  await b.sso.changePhones(b.o.users, changed, salt);
  const delta = await b.step("ours", db, { BENCH_SYNC: "delta", BENCH_SINCE: since.toISOString() });
  b.add(`${prefix}Ms`, delta.ms);
  b.add(`${prefix}Writes`, delta.writes);
  b.add(`${prefix}Changed`, changed);
  b.add(`${prefix}Requests`, delta.requests ?? NaN);
  b.add(`${prefix}PeakRssMB`, delta.maxRssMB);
  b.add(`${prefix}Reads`, delta.indexReads ?? NaN);
}

/**
 * Under the guide's allowance: the SSO refuses past 100 requests in any minute and the
 * client keeps its default pacing (SCIM_RATE_LIMIT unset). A no-op full sync and a 1% delta;
 * their wall time against what their requests cost at that rate, and the SSO's refusals.
 */
async function pacedRuns(b: Bench): Promise<void> {
  const P = b.o.pacedUsers;
  if (P !== b.o.users) await reset(b, P);
  // SCIM_RATE_LIMIT empty: the product's default, the guide's 100 a minute.
  const paced = { SCIM_RATE_LIMIT: "" };
  const perRequestMs = 60_000 / GUIDE_ALLOWANCE;
  for (let r = 0; r < b.o.runs; r++) {
    process.stderr.write(`${b.o.label}: paced run ${r + 1}/${b.o.runs} at ${P} users\n`);
    const db = b.fresh("paced");
    await b.step("ours", db);
    let refused = 0;
    // The allowance is on for the runner's steps only: the benchmark's changes in between
    // (a static token, a window of its own) would spend it.
    const underAllowance = async (env: Record<string, string>) => {
      await b.sso.dev("allowance", { requests: GUIDE_ALLOWANCE }, "PUT");
      const before = await b.sso.refused();
      try {
        return await b.step("ours", db, { ...paced, ...env });
      } finally {
        refused += (await b.sso.refused()) - before;
        await b.sso.dev("allowance", { requests: 0 }, "PUT");
      }
    };
    const full = await underAllowance({});
    const since = b.sso.since();
    const changed = Math.max(1, Math.floor(P / 100));
    await b.sso.changePhones(P, changed, r + 80);
    const delta = await underAllowance({ BENCH_SYNC: "delta", BENCH_SINCE: since.toISOString() });
    await b.drop(db);
    b.add("pacedFullMs", full.ms);
    b.add("pacedFullRequests", full.requests ?? NaN);
    b.add("pacedFullOverAllowance", full.ms / ((full.requests ?? NaN) * perRequestMs));
    b.add("pacedDeltaMs", delta.ms);
    b.add("pacedDeltaRequests", delta.requests ?? NaN);
    b.add("pacedDeltaChanged", changed);
    b.add("pacedDeltaOverAllowance", delta.ms / ((delta.requests ?? NaN) * perRequestMs));
    b.add("pacedRefused", refused);
  }
}

/** Scaling: the same at a tenth of the size, ours and the floor's time and memory. */
async function scalingRuns(b: Bench): Promise<void> {
  const N = b.o.users;
  await reset(b, Math.floor(N / 10));
  for (let r = 0; r < b.o.runs; r++) {
    const floorDb = b.fresh("floorsmall");
    const smallFloor = await b.step("floor", floorDb);
    await b.drop(floorDb);
    const smallDb = b.fresh("small");
    const small = await b.step("ours", smallDb);
    const smallNoop = await b.step("ours", smallDb);
    await b.drop(smallDb);
    b.add("initialSmallMs", small.ms);
    b.add("floorSmallMs", smallFloor.ms);
    b.add("floorRssSmallMB", smallFloor.maxRssMB);
    b.add("peakRssSmallMB", Math.max(small.maxRssMB, smallNoop.maxRssMB));
  }
}

/** Naive versus ours on the same data. */
async function naiveRuns(b: Bench): Promise<void> {
  await reset(b, b.o.naiveUsers);
  for (let r = 0; r < b.o.runs; r++) {
    const [naiveDb, oursDb] = [b.fresh("naive"), b.fresh("oursn")];
    const naive = await b.step("naive", naiveDb);
    const ours = await b.step("ours", oursDb);
    await b.drop(naiveDb);
    await b.drop(oursDb);
    b.add("naiveMs", naive.ms);
    b.add("oursAtNaiveMs", ours.ms);
    b.add("naiveOverOurs", naive.ms / ours.ms);
  }
}

/** A whole process from spawn to exit, in ms; throws with its output when it fails. */
async function timeProcess(cmd: string[], env: Record<string, string | undefined>) {
  const started = performance.now();
  const p = Bun.spawn(cmd, { cwd: ROOT, env, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    p.exited,
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
  ]);
  const ms = Math.round(performance.now() - started);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}:\n${out}${err}`);
  return ms;
}

/** One step in its own Bun process; logs its measured time beside the process's wall time. */
async function runStep(
  o: SyncBenchOptions,
  mode: string,
  db: string,
  extra: Record<string, string>,
): Promise<Step> {
  const started = performance.now();
  const p = Bun.spawn([BUN, ...(o.smol ? ["--smol"] : []), "bench/step.ts", mode], {
    cwd: ROOT,
    env: { ...process.env, ...o.env, MONGODB_DB: db, ...extra },
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`step ${mode} failed: ${out}`);
  const s = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Step & { status?: string };
  // A sync that ended failed measured nothing: the bench stops and says why.
  if (s.status !== undefined && s.status !== "success") {
    throw new Error(`step ${mode} on ${db} ended ${s.status}: ${out}`);
  }
  const wall = Math.round(performance.now() - started);
  const kind = extra.BENCH_SYNC === "delta" ? "delta" : mode;
  process.stderr.write(
    `  ${o.label.padEnd(8)} ${kind.padEnd(6)} ${db.padEnd(18)} ${
      Math.round(s.ms)
    } ms (process ${wall} ms), ` +
      `${s.writes} writes, ${s.requests ?? "-"} requests, ${s.maxRssMB} MB` +
      `${extra.SCIM_RATE_LIMIT === "" ? ", paced" : ""}\n`,
  );
  return s;
}
