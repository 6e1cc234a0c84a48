// Replicas applying batches of updates to the same people at once, on the real
// MongoDB-wire server: each replica's guarded updates of one batch leave together
// (runner/store/guarded-update.ts), so lost races are told apart by reading the documents
// back. Whatever the interleaving, every person ends with the newest event's value, the
// newest event is never `stale`, an event answered `failed` is delivered again until it is
// not, and the change log holds each written change once — on MongoDB as one chain per
// person.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createEventApplier, type EventApplier } from "../../../runner/ingest/apply-event.ts";
import { createChangeLogStore } from "../../../runner/store/change-log-store.ts";
import { createWebhookStores } from "../../../runner/store/webhook-stores.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { userEvent } from "../support/ingest-harness.ts";
import type { ForwardedEvent } from "../../../shared/webhook-event.ts";
import type { ApplyResult } from "../../../runner/ingest/resource-writer.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("replica_races");
});
afterAll(async () => await t.drop());

const PEOPLE = 12;
const VERSIONS = 8;
const at = (v: number) => new Date(Date.UTC(2026, 0, 1, 10, v)).toISOString();

/** A replica: its own stores and applier over the one database, as a second process has. */
function replica(): EventApplier {
  return createEventApplier(createWebhookStores(t.mongo.db), {
    changes: createChangeLogStore(t.mongo.db, { ttlDays: 90 }),
  });
}

/** Applies a batch at once (one forwarded request), delivering `failed` ones again. */
async function deliver(r: EventApplier, batch: ForwardedEvent[]): Promise<ApplyResult[]> {
  const out = await Promise.all(batch.map((e) => r.apply(e)));
  const again = batch.filter((_, i) => out[i]!.status === "failed");
  if (again.length === 0) return out;
  const retried = await deliver(r, again);
  return out.map((res) => res.status === "failed" ? retried.shift()! : res);
}

/**
 * Creates the people at version 0, then deals versions 1…VERSIONS at once to two replicas
 * (`replicas` 2) or as two streams of batches to one (1).
 */
async function race(prefix: string, replicas: 1 | 2 = 2) {
  const a = replica();
  const b = replicas === 2 ? replica() : a;
  await a.ensureIndexes();
  const ids = Array.from({ length: PEOPLE }, (_, i) => `u-${prefix}${i}`);
  await Promise.all(ids.map((resourceId, i) =>
    a.apply(
      userEvent({
        id: `${prefix}-c${i}`,
        event: "user.created",
        resourceId,
        email: `${prefix}${i}@ias.co.id`,
        lastModified: at(0),
      }),
    )
  ));
  const ev = (i: number, v: number) =>
    userEvent({
      id: `${prefix}-u${i}-v${v}`,
      resourceId: ids[i]!,
      email: `${prefix}${i}@ias.co.id`,
      phone: `+62 ${i}-${v}`,
      lastModified: at(v),
    });
  const rounds: Promise<ApplyResult[]>[] = [];
  for (let v = 1; v <= VERSIONS; v += 2) {
    // Each replica's batch holds every person once: a the later version of a pair, b the
    // earlier, so b's writes are stale whenever a's land first and race a's in flight.
    rounds.push(deliver(a, ids.map((_, i) => ev(i, v + 1))));
    rounds.push(deliver(b, ids.map((_, i) => ev(i, v))));
  }
  const results = (await Promise.all(rounds)).flat();
  const events = t.mongo.db.collection("webhookEvents");
  const pattern = new RegExp(`^${prefix}-u`);
  const written = await events.find({ eventId: pattern, change: "updated" }).toArray();
  const logged = await t.mongo.db.collection("syncChanges").find({ "source.eventId": pattern })
    .toArray();
  return { ids, results, events, written, logged };
}

// FerretDB applies an update as read, apply, write back (README, "MongoDB and FerretDB"): two
// replicas writing one person at once can both pass the version guard, and the older write can
// end stored (seen here in 2 of 6 runs) until the next full sync repairs it. One replica is
// safe there: it applies one person's events one at a time (keyed-queue.ts).
const onFerret = process.env.MONGO_SERVER_KIND === "ferretdb";
const FERRET_REASON =
  " [skipped: FerretDB's updates are not atomic: two replicas writing one person at once can lose the newer write]";

/** Every person at the newest value, the newest never stale, each event recorded written logged once. */
async function expectConverged(r: Awaited<ReturnType<typeof race>>, prefix: string) {
  expect(r.results.filter((x) => x.status === "failed")).toEqual([]);
  expect(r.results.every((x) => x.status === "success" || x.status === "stale")).toBe(true);
  const users = t.mongo.db.collection("users");
  for (const [i, id] of r.ids.entries()) {
    const doc = await users.findOne({ ssoUserId: id });
    expect(doc?.phone).toBe(`+62 ${i}-${VERSIONS}`);
    expect(doc?.scimLastModified).toEqual(new Date(at(VERSIONS)));
    expect(await r.events.findOne({ eventId: `${prefix}-u${i}-v${VERSIONS}` })).toMatchObject({
      status: "success",
    });
  }
  expect(r.logged.map((c) => c.source.eventId).sort()).toEqual(
    r.written.map((e) => e.eventId).sort(),
  );
  expect(r.written.length).toBeGreaterThanOrEqual(PEOPLE);
}

/**
 * Each write was conditional on the version it replaced, so a person's changes form one chain
 * from the created value to the stored one. An update counted written that lost its race
 * would add a second change from the same old value.
 */
function expectOneChainEach(r: Awaited<ReturnType<typeof race>>) {
  for (const [i, id] of r.ids.entries()) {
    const mine = r.logged.filter((c) => c.resourceId === id);
    const byOld = new Map(mine.map((c) => [c.values.phone.old, c.values.phone.new]));
    expect(byOld.size).toBe(mine.length);
    let value = "+62 1";
    for (let step = 0; step < mine.length; step++) value = byOld.get(value) ?? "broken chain";
    expect(value).toBe(`+62 ${i}-${VERSIONS}`);
  }
}

describe("updates of the same people arriving in batches at once", () => {
  test.skipIf(onFerret)(
    `two replicas: every person ends at the newest value, the newest is never stale, and each person's change log is one chain (no update counted written lost its race)${
      onFerret ? FERRET_REASON : ""
    }`,
    async () => {
      const r = await race("two");
      await expectConverged(r, "two");
      expectOneChainEach(r);
    },
    60_000,
  );

  test(
    "one replica, two streams of batches (two edge forwards): the same, on every server",
    async () => {
      const r = await race("one", 1);
      await expectConverged(r, "one");
      expectOneChainEach(r);
    },
    60_000,
  );
});
