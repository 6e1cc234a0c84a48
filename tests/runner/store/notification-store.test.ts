// Taking a notification's delivery attempt on the MongoDB-wire server: an insert against a unique
// `_id` (FerretDB applies no conditional update atomically), and a dead deliverer's attempt taken
// over once its hold has passed, by one replica only.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  createNotificationStore,
  NOTIFICATION_ATTEMPTS,
  type NotificationDoc,
} from "../../../runner/store/notification-store.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("notification_store");
});
afterAll(() => t.drop());

const message = (id: string): NotificationDoc => ({
  _id: id,
  kind: "held",
  episode: "e1",
  event: "raised",
  severity: "warning",
  title: "held",
  detail: "",
  createdAt: new Date(),
  status: "pending",
  attempts: 0,
  nextAttemptAt: new Date(),
  sentBy: [],
  sentAt: null,
  lastError: null,
  runner: "test",
});
const inFiveMinutes = () => new Date(Date.now() + 300_000);

describe("NotificationStore.take()", () => {
  test("take() gives one attempt to exactly one of ten callers at once, and counts it", async () => {
    const store = createNotificationStore(t.mongo.db);
    await store.claim(message("held:e1:raised"));
    const won = await Promise.all(
      Array.from(
        { length: 10 },
        () => store.take("held:e1:raised", 0, inFiveMinutes(), new Date()),
      ),
    );
    expect(won.filter(Boolean).length).toBe(1);
    const [doc] = await store.due(new Date(Date.now() + 600_000), 10);
    expect(doc?.attempts).toBe(1);
  });

  test("take() of an attempt a dead deliverer took: refused within its hold, taken over once after it", async () => {
    const store = createNotificationStore(t.mongo.db);
    await store.claim(message("held:e2:raised"));
    // The deliverer inserted its claim and died before counting the attempt.
    const attempts = t.mongo.db.collection<{ _id: string; at: Date }>(NOTIFICATION_ATTEMPTS);
    await attempts.insertOne({ _id: "held:e2:raised#0", at: new Date(Date.now() - 60_000) });
    expect(await store.take("held:e2:raised", 0, inFiveMinutes(), new Date())).toBe(false);
    await attempts.updateOne({ _id: "held:e2:raised#0" }, {
      $set: { at: new Date(Date.now() - 600_000) },
    });
    const won = await Promise.all(
      Array.from({ length: 5 }, () => store.take("held:e2:raised", 0, inFiveMinutes(), new Date())),
    );
    expect(won.filter(Boolean).length).toBe(1);
  });
});
