/**
 * The sync benchmark's measurements on one database: each measured step runs in
 * its own process (bench/step.ts) against the development SSO, and the samples of
 * every figure are collected for bench/run.ts to summarise.
 *
 * @module
 */
import { BUN, ROOT } from "./bench-world.ts";

/** What one server's run of the benchmark needs. */
export interface SyncBenchOptions {
  /** The organisation's size (org units users/10). */
  users: number;
  runs: number;
  naiveUsers: number;
  skipChange: boolean;
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
  phases?: Record<string, number>;
}

/**
 * Runs the benchmark's steps `runs` times on one database.
 *
 * @returns the samples (initial, floor, no-op and its parts, 1% change, scaling, naive)
 * @throws {Error} when a step fails, with its output
 *
 * @example
 * ```ts
 * const samples = await measureSync({ users: 1000, runs: 1, naiveUsers: 100, skipChange: false,
 *   smol: false, ssoUrl: sso.url, env: runnerEnv(sso.url, mongo.uri), label: "fast" });
 * ```
 */
export async function measureSync(o: SyncBenchOptions): Promise<Samples> {
  const sso = ssoApi(o.ssoUrl);
  const rows: Samples = {};
  const add = (k: string, v: number) => (rows[k] ??= []).push(v);
  let dbSeq = 0;
  const fresh = (tag: string) => `bench_${tag}_${++dbSeq}`;
  const step = (mode: string, db: string) => runStep(o, mode, db);
  const N = o.users;

  await sso.dev("reset", { users: N, orgUnits: Math.floor(N / 10), seed: 42 });
  for (let r = 0; r < o.runs; r++) {
    process.stderr.write(`${o.label}: run ${r + 1}/${o.runs} at ${N} users\n`);
    const db = fresh("ours");
    const ours = await step("ours", db);
    const floor = await step("floor", fresh("floor"));
    add("initialMs", ours.ms);
    add("floorMs", floor.ms);
    add("initialOverFloor", ours.ms / floor.ms);
    const noop = await step("ours", db);
    // Peak of the runner over the initial and the no-op run (the no-op holds the index of existing users).
    add("peakRssMB", Math.max(ours.maxRssMB, noop.maxRssMB));
    add("noopMs", noop.ms);
    add("noopOverInitial", noop.ms / ours.ms);
    add("noopWrites", noop.writes);
    add("noopCpuUsPerUser", ((noop.cpuMs ?? NaN) * 1000) / N);
    // Where a no-op's time goes: the pages and the index it must read anyway.
    const parts = await step("parts", db);
    const fetchMs = parts.phases?.fetchMs ?? NaN;
    const indexMs = parts.phases?.indexMs ?? NaN;
    add("noopFetchMs", fetchMs);
    add("noopIndexMs", indexMs);
    add("noopOverReads", noop.ms / (fetchMs + indexMs));
    // Stricter, reported: against the index's bytes alone, read without decoding.
    const indexRawMs = parts.phases?.indexRawMs ?? NaN;
    add("noopIndexRawMs", indexRawMs);
    add("noopOverRawReads", noop.ms / (fetchMs + indexRawMs));
    add("fetchOverInitial", fetchMs / ours.ms);
    if (o.skipChange) continue;
    const changes = Math.max(1, Math.floor(N / 100));
    await sso.changePhones(N, changes, r);
    const delta = await step("ours", db);
    add("onePctMs", delta.ms);
    add("onePctOverNoop", delta.ms / noop.ms);
    add("onePctWrites", delta.writes);
    add("onePctChanged", changes);
  }
  // Scaling: the same at a tenth of the size.
  await sso.dev("reset", { users: Math.floor(N / 10), orgUnits: Math.floor(N / 100), seed: 42 });
  for (let r = 0; r < o.runs; r++) {
    const smallDb = fresh("small");
    const small = await step("ours", smallDb);
    const smallNoop = await step("ours", smallDb);
    const smallFloor = await step("floor", fresh("floorsmall"));
    add("initialSmallMs", small.ms);
    add("floorSmallMs", smallFloor.ms);
    add("peakRssSmallMB", Math.max(small.maxRssMB, smallNoop.maxRssMB));
  }
  // Naive versus ours on the same data.
  await sso.dev("reset", {
    users: o.naiveUsers,
    orgUnits: Math.floor(o.naiveUsers / 10),
    seed: 42,
  });
  for (let r = 0; r < o.runs; r++) {
    const naive = await step("naive", fresh("naive"));
    const ours = await step("ours", fresh("oursn"));
    add("naiveMs", naive.ms);
    add("oursAtNaiveMs", ours.ms);
    add("naiveOverOurs", naive.ms / ours.ms);
  }
  return rows;
}

/** One step in its own Bun process; logs its measured time beside the process's wall time. */
async function runStep(o: SyncBenchOptions, mode: string, db: string): Promise<Step> {
  const started = performance.now();
  const p = Bun.spawn([BUN, ...(o.smol ? ["--smol"] : []), "bench/step.ts", mode], {
    cwd: ROOT,
    env: { ...process.env, ...o.env, MONGODB_DB: db },
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`step ${mode} failed: ${out}`);
  const s = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Step;
  const wall = Math.round(performance.now() - started);
  process.stderr.write(
    `  ${o.label.padEnd(8)} ${mode.padEnd(6)} ${db.padEnd(18)} ${
      Math.round(s.ms)
    } ms (process ${wall} ms), ` +
      `${s.writes} writes, ${s.maxRssMB} MB\n`,
  );
  return s;
}

/** The development SSO's admin API and SCIM writes the benchmark drives. */
function ssoApi(url: string) {
  async function token(): Promise<string> {
    const res = await fetch(`${url}/scim/v2/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: "bench",
        client_secret: "bench-secret",
      }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }
  return {
    async dev(path: string, body: unknown): Promise<unknown> {
      const res = await fetch(`${url}/_dev/${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${await token()}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`/_dev/${path}: HTTP ${res.status} ${await res.text()}`);
      return await res.json();
    },
    /** Gives `n` distinct users of `total` a new phone number through the SCIM API (PUT): a mapped change each. */
    async changePhones(total: number, n: number, salt: number): Promise<void> {
      const auth = {
        Authorization: `Bearer ${await token()}`,
        "Content-Type": "application/scim+json",
      };
      const stride = Math.max(1, Math.floor(total / n));
      for (let i = 0; i < n; i++) {
        const list = await fetch(`${url}/scim/v2/Users?startIndex=${1 + i * stride}&count=5`, {
          headers: auth,
        });
        // An active one: inactive people are never created in OFM, so their change writes nothing.
        const user = ((await list.json()) as { Resources: Record<string, unknown>[] }).Resources
          .find((u) => u.active !== false);
        if (!user) throw new Error("no user to change");
        user.phoneNumbers = [{
          value: `+62 9${salt}${String(i).padStart(8, "0")}`,
          type: "mobile",
          primary: true,
        }];
        const res = await fetch(`${url}/scim/v2/Users/${String(user.id)}`, {
          method: "PUT",
          headers: auth,
          body: JSON.stringify(user),
        });
        if (!res.ok) throw new Error(`PUT user: HTTP ${res.status} ${await res.text()}`);
      }
    },
  };
}
