// Opening, failing and closing a run's syncHistory record, against the real history store.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MongoClient, ObjectId } from "mongodb";
import { createLogger, silentLogger } from "../../../shared/logger.ts";
import type { SyncHistoryRecord } from "../../../runner/documents/sync-history.ts";
import { createHistoryStore, type HistoryStore } from "../../../runner/store/history-store.ts";
import { GuardAbortedError } from "../../../runner/gate/guard-aborted.ts";
import {
  closeRecord,
  closingPatch,
  failRecord,
  newRecord,
  openRecord,
} from "../../../runner/sync/record-step.ts";
import { LeaseLostError } from "../../../runner/lease.ts";
import { SyncDeadlineError } from "../../../runner/sync/run-deadline.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

let db: TestDb;
let history: HistoryStore;
beforeAll(async () => {
  db = await openTestDb("record_step");
  history = createHistoryStore(db.mongo.db, { ttlDays: 90, logger: silentLogger });
});
afterAll(() => db.drop());

// Recent: closing sweeps records past their retention.
const at = new Date(Math.floor(Date.now() / 1000) * 1000);
const running = (): SyncHistoryRecord => newRecord({ type: "full" }, undefined, "runner-1", at);
const deadline = (reason?: unknown) => {
  const c = new AbortController();
  if (reason !== undefined) c.abort(reason);
  return {
    signal: c.signal,
    expired: () => c.signal.aborted && c.signal.reason instanceof SyncDeadlineError,
  };
};

describe("newRecord()", () => {
  test("newRecord() records a delta's type, filter and since, and marks a forced run", () => {
    const since = new Date(at.getTime() - 3_600_000);
    const r = newRecord({ type: "delta", since, force: true }, "meta.lastModified gt …", "r1", at);
    expect(r).toMatchObject({
      type: "scim_delta_sync",
      status: "running",
      filter: "meta.lastModified gt …",
      since,
      forced: true,
      dryRun: false,
      runner: "r1",
    });
    expect(r.stats.usersCreated).toBe(0);
  });
});

describe("openRecord()", () => {
  test("openRecord() writes nothing and returns null for a dry run", async () => {
    expect(await openRecord(history, running(), { dryRun: true }, silentLogger)).toBeNull();
  });

  test("openRecord() records the run as running and tells onStart its historyId", async () => {
    const told: string[] = [];
    const id = await openRecord(history, running(), { onStart: (h) => told.push(h) }, silentLogger);
    expect(told).toEqual([id?.toHexString() ?? "missing"]);
    const stored = await db.mongo.db.collection("syncHistory").findOne({
      _id: new ObjectId(id?.toHexString()),
    });
    expect(stored).toMatchObject({ status: "running", type: "scim_full_sync", runner: "runner-1" });
  });
});

describe("failRecord()", () => {
  test("failRecord() marks a guard refusal aborted and keeps the counters MongoDB acknowledged", () => {
    const r = running();
    // An aborted run wrote nobody: its counter is 0 because nothing was acknowledged.
    r.stats.usersDeactivated = 0;
    r.stats.usersUpdated = 3;
    const figures = { proposed: 7, inWindow: 0, baseline: 10, allowed: 1, ok: false };
    failRecord(
      r,
      new GuardAbortedError("users", figures, 1000, "run again with --force"),
      deadline(),
      silentLogger,
    );
    expect(r.status).toBe("aborted");
    expect(r.error?.code).toBe("GUARD_ABORTED");
    expect(r.error?.message).toContain("would deactivate 7 users");
    expect(r.stats).toMatchObject({ usersDeactivated: 0, usersUpdated: 3 });
  });

  test("failRecord() marks a run interrupted when the caller's signal aborted it", () => {
    const r = running();
    failRecord(r, new Error("aborted"), deadline(new Error("shutdown")), silentLogger);
    expect(r).toMatchObject({ status: "interrupted", error: { code: "SYNC_INTERRUPTED" } });
  });

  test("failRecord() says the lease was lost, not that the runner is shutting down, when that aborted the run", () => {
    const r = running();
    failRecord(r, new LeaseLostError(), deadline(new LeaseLostError()), silentLogger);
    expect(r).toMatchObject({ status: "interrupted", error: { code: "LEASE_LOST" } });
    expect(r.error?.message).toContain("lost the sync lease");
  });

  test("failRecord() marks a run failed with SYNC_DEADLINE when the deadline ended it", () => {
    const r = running();
    failRecord(r, new Error("aborted"), deadline(new SyncDeadlineError(60_000)), silentLogger);
    expect(r).toMatchObject({ status: "failed", error: { code: "SYNC_DEADLINE" } });
  });
});

describe("closeRecord()", () => {
  test("closingPatch() carries the proof only once the listings ended", () => {
    const r = running();
    expect(Object.keys(closingPatch(r))).not.toContain("complete");
    r.complete = false;
    r.incompleteReason = "Users: cut short";
    expect(closingPatch(r)).toMatchObject({
      complete: false,
      incompleteReason: "Users: cut short",
    });
  });

  test("closeRecord() writes the end, duration, counters and proof over the running record", async () => {
    const r = running();
    const id = await openRecord(history, r, {}, silentLogger);
    r.status = "success";
    r.stats.usersCreated = 3;
    r.complete = true;
    await closeRecord(history, id, r, new Date(at.getTime() + 1500), silentLogger);
    const stored = await db.mongo.db.collection("syncHistory").findOne({
      _id: new ObjectId(id?.toHexString()),
    });
    expect(stored).toMatchObject({
      status: "success",
      completedAt: new Date(at.getTime() + 1500),
      durationMs: 1500,
      complete: true,
      incompleteReason: null,
      stats: { usersCreated: 3 },
    });
  });

  test("closeRecord() turns a success into a failure when the record cannot be written", async () => {
    const r = running();
    r.status = "success";
    const broken = { ...history, finish: () => Promise.reject(new Error("write refused")) };
    const id = await openRecord(history, r, {}, silentLogger);
    await closeRecord(broken, id, r, at, silentLogger);
    expect(r).toMatchObject({
      status: "failed",
      error: { code: "INTERNAL", message: "write refused" },
    });
  });

  test("the sweep after a run, with MongoDB gone, logs that it could not close abandoned webhook records and rejects with the store's error", async () => {
    const lines: string[] = [];
    const logger = createLogger({ format: "json", write: (l) => lines.push(l) });
    // A database that answers nothing: no server listens on port 1.
    const client = new MongoClient("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300");
    try {
      const dead = createHistoryStore(client.db("gone"), { ttlDays: 90, logger });
      await expect(dead.sweep()).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
      expect(lines.map((l) => JSON.parse(l).msg)).toEqual([
        "⚠️ Could not close webhook events left processing; the next run tries again",
      ]);
    } finally {
      await client.close();
    }
  });
});
