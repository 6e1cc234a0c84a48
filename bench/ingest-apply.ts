/**
 * `bun bench/ingest-apply.ts [--events 1000] [--rounds 3] [--baseline <dir>]`:
 * the runner's share of a webhook — `createEventApplier().apply()` of one
 * update event (claim, read, conditional write, outcome, change record) on the
 * local MongoDB-wire server (fast by default), one event at a time as the
 * webhook route applies them, p50/p99 per event. With `--baseline` another
 * checkout's applier (its node_modules linked to ours) runs the same events on
 * its own database, interleaved round by round with ours: a before/after of a
 * change in one run, on the same server, under the same machine load.
 *
 * @module
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startMongoServer } from "../dev/mongo-server.ts";
import type { ForwardedEvent } from "../shared/webhook-event.ts";
import { ROOT } from "./bench-world.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    events: { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
    baseline: { type: "string" },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const USERS = 200;

/** The applier of the checkout at `root`, over database `name`, as compose.ts wires it. */
async function applierOf(root: string, uri: string, name: string) {
  const { connectMongo } = await import(resolve(root, "runner/store/mongo.ts"));
  const { createEventApplier } = await import(resolve(root, "runner/ingest/apply-event.ts"));
  const { createWebhookStores } = await import(resolve(root, "runner/store/webhook-stores.ts"));
  const { createChangeLogStore } = await import(resolve(root, "runner/store/change-log-store.ts"));
  const mongo = await connectMongo(uri, name);
  await mongo.db.dropDatabase();
  const events = createEventApplier(createWebhookStores(mongo.db), {
    changes: createChangeLogStore(mongo.db, { ttlDays: 90 }),
  });
  await events.ensureIndexes();
  return { mongo, apply: (e: ForwardedEvent) => events.apply(e) as Promise<{ status: string }> };
}

let seq = 0;
function event(i: number, at: Date): ForwardedEvent {
  const id = `u-${i % USERS}`;
  const stamp = at.toISOString();
  return {
    eventId: `evt-${++seq}`,
    event: i < USERS ? "user.created" : "user.updated",
    resourceType: "User",
    resourceId: id,
    action: i < USERS ? "create" : "update",
    occurredAt: stamp,
    receivedAt: stamp,
    user: {
      ssoUserId: id,
      email: `${id}@ias.co.id`,
      firstName: "Bench",
      lastName: `User ${i % USERS}`,
      isActive: true,
      phone: `+62 ${seq}`,
      userId: `EMP${i % USERS}`,
      departmentId: "d-1",
      companyId: "c-1",
      managerId: null,
      positionId: null,
      scimLastModified: stamp,
    },
    orgUnit: null,
  };
}

const server = await startMongoServer();
const ways = [
  ...(values.baseline ? [{ name: "baseline", root: resolve(values.baseline) }] : []),
  { name: "ours", root: ROOT },
];
const appliers = await Promise.all(
  ways.map((w, i) => applierOf(w.root, server.uri, `bench_ingest_${i}`)),
);
const times = ways.map(() => [] as number[]);
let clock = Date.parse("2026-01-01T00:00:00Z");
try {
  // The users exist first (creates), then the rounds of updates are timed.
  for (const a of appliers) {
    for (let i = 0; i < USERS; i++) await a.apply(event(i, new Date(clock)));
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [w, a] of appliers.entries()) {
      for (let i = 0; i < EVENTS; i++) {
        const e = event(USERS + i, new Date(clock += 1000));
        const t0 = performance.now();
        const r = await a.apply(e);
        times[w]!.push(performance.now() - t0);
        if (r.status !== "success") throw new Error(`${ways[w]!.name}: ${JSON.stringify(r)}`);
      }
    }
  }
} finally {
  for (const a of appliers) await a.mongo.close();
  await server.stop();
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN) * 100) /
    100;
};
console.log(`apply() of one update event, ${EVENTS} × ${ROUNDS} rounds (${server.kind} server):`);
for (const [w, way] of ways.entries()) {
  const t = times[w]!;
  console.log(
    `  ${way.name.padEnd(9)} p50 ${pct(t, 50)} ms  p99 ${pct(t, 99)} ms  mean ${
      Math.round((t.reduce((a, b) => a + b, 0) / t.length) * 100) / 100
    } ms`,
  );
}
