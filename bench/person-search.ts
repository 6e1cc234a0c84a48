/**
 * `npx bun bench/person-search.ts`: the person search (store/person-search.ts)
 * at a directory's size. Fills `users` with N generated people written as the
 * sync writes them (`newUserDoc`, so with `searchKeys`), plus N/10 of OFM's own
 * accounts without a SCIM id, ensures the index, then times `search()` for
 * prefixes from common to absent, `--runs` times each, and prints the median,
 * the slowest and the load average.
 *
 *   --users N     people                                          default 100000
 *   --runs K      searches per prefix                             default 15
 *   --server S    fast (mongo-java-server) | ferretdb             default fast
 *
 * @module
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { MongoClient } from "mongodb";
import { newUserDoc } from "../runner/documents/ofm-documents.ts";
import { createPersonSearch } from "../runner/store/person-search.ts";
import { startMongoServer } from "../dev/mongo-server.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    users: { type: "string", default: "100000" },
    runs: { type: "string", default: "15" },
    server: { type: "string", default: "fast" },
  },
});
const N = Number(values.users);
const RUNS = Number(values.runs);
const GIVEN = ["Anna", "Budi", "Citra", "Dewi", "Eko", "Fajar", "Gita", "Hadi", "Indah", "Joko"];
const FAMILY = ["Saputra", "Wijaya", "Santoso", "Lestari", "Pratama", "Halim", "Nugroho"];

/** A person as the mapping makes one, numbered so names spread over many prefixes. */
function person(i: number) {
  const given = `${GIVEN[i % GIVEN.length]}${i % 997}`;
  const family = `${FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length]}${i % 1009}`;
  return {
    ssoUserId: `u-${i}`,
    email: `${given}.${family}.${i}@ias.co.id`.toLowerCase(),
    firstName: given,
    lastName: family,
    isActive: true,
    phone: null,
    userId: `EMP${i}`,
    departmentId: `D-${i % 50}`,
    companyId: null,
    managerId: null,
    positionId: null,
    scimLastModified: null,
  };
}

const server = await startMongoServer({
  forceEmbedded: true,
  kind: values.server === "ferretdb" ? "ferretdb" : "java",
});
const client = await MongoClient.connect(server.uri);
try {
  const db = client.db("bench_person_search");
  await db.dropDatabase();
  const users = db.collection("users");
  const at = new Date();
  let t0 = performance.now();
  for (let i = 0; i < N; i += 5_000) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 5_000); j++) {
      batch.push(
        newUserDoc(person(j), { hash: "h", at, source: "full_sync", superAdminEmails: [] }),
      );
    }
    await users.insertMany(batch, { ordered: false });
  }
  // OFM's own accounts: no SCIM id, no search keys, never found by the search.
  await users.insertMany(
    Array.from({ length: N / 10 }, (_, i) => ({ email: `own${i}@ofm.local`, firstName: "Anna" })),
  );
  const fill = performance.now() - t0;
  const search = createPersonSearch(db);
  t0 = performance.now();
  await search.ensureIndex();
  const index = performance.now() - t0;
  console.log(
    `${values.server}: ${N.toLocaleString("en-US")} people + ${(N / 10).toLocaleString("en-US")} ` +
      `own accounts written in ${(fill / 1000).toFixed(1)} s, index ${index.toFixed(0)} ms`,
  );
  const prefixes = [
    ["a (one letter, thousands match)", "a"],
    ["dewi3 (first name prefix)", "dewi3"],
    ["SAPUTRA12 (last name, any case)", "SAPUTRA12"],
    [
      `${person(1).firstName} ${person(1).lastName.slice(0, 3)} (full name prefix)`,
      `${person(1).firstName} ${person(1).lastName.slice(0, 3)}`,
    ],
    [`${person(N - 1).email} (one email)`, person(N - 1).email],
    ["zzz (nobody)", "zzz"],
  ] as const;
  for (const [label, q] of prefixes) {
    const ms: number[] = [];
    let found = 0;
    for (let r = 0; r < RUNS; r++) {
      const s = performance.now();
      const res = await search.search(q, 50);
      ms.push(performance.now() - s);
      found = res.hits.length + (res.more ? 1 : 0);
    }
    ms.sort((a, b) => a - b);
    const median = ms[Math.floor(ms.length / 2)]!;
    console.log(
      `  ${label.padEnd(44)} median ${median.toFixed(1).padStart(7)} ms  slowest ${
        ms.at(-1)!.toFixed(1).padStart(7)
      } ms  fastest ${ms[0]!.toFixed(1).padStart(7)} ms  (${found > 50 ? "50+" : found} found)`,
    );
  }
  console.log(`  load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
} finally {
  await client.close();
  await server.stop();
}
