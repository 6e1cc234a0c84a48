/**
 * `npm run bench`: the sync benchmarks that compare two ways in one run (ratios,
 * since absolute times on a shared machine are noise). Each measured step runs in
 * its own process (bench/step.ts, via bench/sync-bench.ts), against the
 * development SSO in another process and the database named by `--server`.
 *
 *   --server S       fast (mongo-java-server in memory, MongoDB's cost shape) |
 *                    ferretdb | both (FerretDB's figures beside) | a mongodb:// uri
 *                                                                   default both
 *   --users N        organisation size (org units N/10)            default 100000
 *   --ferret-users F FerretDB's organisation size under `both`    default 10000
 *                    (at 100,000 its 1% change alone takes ~10 min: every update
 *                    by _id scans the table); its naive size is F/10
 *   --runs K         repetitions; figures are medians               default 3
 *   --naive-users M  size for the naive comparison                  default 10000
 *   --skip-change    skip the 1%-changed resync and the delta (minutes on FerretDB at 100,000)
 *   --paced-users P  size of the runs under the guide's allowance (100 requests a
 *                    minute, the client's default pacing): a no-op full sync and
 *                    a 1% delta, on the fast server; 0 = none  default min(users, 100000)
 *   --java-heap H    mongo-java-server's JVM heap (-Xmx), e.g. 8g   default the JVM's
 *   --smol           steps under `bun --smol`, as `npm start` runs the runner
 *
 * Writes bench/results.json (bench/results-100k.json from 100,000 users,
 * bench/results-1m.json from a million), naming
 * each server, and prints one table with a column per server.
 *
 * @module
 */
import { availableParallelism, loadavg } from "node:os";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  type BenchServer,
  parseBenchServer,
  ROOT,
  runnerEnv,
  startBenchMongo,
  startBenchSso,
} from "./bench-world.ts";
import { measureSync } from "./sync-bench.ts";
import { formatTable, type ServerSummary, summarize } from "./sync-report.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    server: { type: "string", default: "both" },
    users: { type: "string", default: "100000" },
    "ferret-users": { type: "string", default: "10000" },
    runs: { type: "string", default: "3" },
    "naive-users": { type: "string", default: "10000" },
    "skip-change": { type: "boolean", default: false },
    "paced-users": { type: "string" },
    "java-heap": { type: "string" },
    smol: { type: "boolean", default: false },
  },
});
const N = Number(values.users);
const RUNS = Number(values.runs);
const NAIVE = Number(values["naive-users"]);
const FERRET_USERS = Number(values["ferret-users"]);
const PACED = values["paced-users"] === undefined
  ? Math.min(N, 100_000)
  : Number(values["paced-users"]);
/**
 * FerretDB's sizes under `both`: smaller, since its updates by _id scan the table; and no
 * paced runs there (the pacing is the client's, measured on the fast server).
 */
const sizeOf = (server: BenchServer) =>
  server === "ferretdb" && values.server === "both"
    ? {
      users: Math.min(N, FERRET_USERS),
      naive: Math.min(NAIVE, Math.floor(FERRET_USERS / 10)),
      pacedUsers: 0,
    }
    : { users: N, naive: NAIVE, pacedUsers: server === "ferretdb" ? 0 : PACED };
const servers: BenchServer[] = values.server === "both"
  ? ["fast", "ferretdb"]
  : [parseBenchServer(values.server)];

// One SSO for every server; each server's run resets it to the same seeded organisation
// (started small: the first reset generates the real one).
const sso = await startBenchSso(10);
const summaries: ServerSummary[] = [];
try {
  for (const server of servers) {
    const mongo = await startBenchMongo(server, values["java-heap"]);
    const size = sizeOf(server);
    if (size.users !== N) {
      process.stderr.write(
        `ferretdb: ${size.users} users and naive ${size.naive} (--ferret-users): at ${N} ` +
          `its 1% change alone takes ~10 min, every update by _id scanning the table\n`,
      );
    }
    try {
      const samples = await measureSync({
        users: size.users,
        runs: RUNS,
        naiveUsers: size.naive,
        skipChange: values["skip-change"],
        pacedUsers: size.pacedUsers,
        smol: values.smol,
        ssoUrl: sso.url,
        env: runnerEnv(sso.url, mongo.uri),
        label: server.startsWith("mongodb") ? "uri" : server,
      });
      const name = server.startsWith("mongodb") ? "uri" : server;
      summaries.push({ ...summarize(name, mongo.kind, samples, size), naive: size.naive });
    } finally {
      await mongo.stop();
    }
  }
} finally {
  await sso.stop();
}

/** Why a fast-server target is missed, from the run's own figures. */
function why(s: ServerSummary): Record<string, string> {
  const m = s.medians;
  const out: Record<string, string> = {};
  if (s.targets["no-op <= 1.2 x (fetch + index read)"] === false) {
    out["no-op <= 1.2 x (fetch + index read)"] =
      `the no-op took ${m.noopMs} ms where fetching every page took ` +
      `${m.noopFetchMs} ms and reading the index from ${s.kind} ${m.noopIndexMs} ms; ` +
      `the rest is the sync's own CPU (${m.noopCpuUsPerUser} µs per user)`;
  }
  if (s.targets["peak RSS <= 300 MB (600 MB at a million)"] === false) {
    out["peak RSS <= 300 MB (600 MB at a million)"] =
      `peak ${m.peakRssMB} MB at ${s.users} users against ${m.peakRssSmallMB} MB at ${
        (s.users ?? N) / 10
      }`;
  }
  return out;
}

/** The machine's load averages (1, 5, 15 min) when the bench ends: it is shared. */
function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

const resultsFile = resolve(
  ROOT,
  N >= 1_000_000
    ? "bench/results-1m.json"
    : N >= 100_000
    ? "bench/results-100k.json"
    : "bench/results.json",
);
const first = summaries[0]!;
const results = {
  date: new Date().toISOString(),
  command:
    `npm run bench -- --server ${values.server} --users ${N} --runs ${RUNS} --naive-users ${NAIVE}` +
    `${values.server === "both" ? ` --ferret-users ${FERRET_USERS}` : ""}` +
    `${values["skip-change"] ? " --skip-change" : ""}${values.smol ? " --smol" : ""}` +
    ` --paced-users ${PACED}${values["java-heap"] ? ` --java-heap ${values["java-heap"]}` : ""}`,
  load: loadAverage(),
  machine: { cores: availableParallelism(), bun: Bun.version, mongo: first.kind },
  users: N,
  orgUnits: Math.floor(N / 10),
  runs: RUNS,
  naiveUsers: NAIVE,
  // The first server's figures at the top level (what README and older readers expect) …
  server: first.server,
  medians: first.medians,
  samples: first.samples,
  targets: first.targets,
  why: why(first),
  // … and every server's, named.
  servers: Object.fromEntries(summaries.map((s) => [s.server, { ...s, why: why(s) }])),
};
// The other benchmarks (soak, edge, latency, profile) keep their figures in the same file.
const others = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : {};
writeFileSync(resultsFile, JSON.stringify({ ...others, ...results }, null, 2) + "\n");
console.log(formatTable(summaries, N, NAIVE));
