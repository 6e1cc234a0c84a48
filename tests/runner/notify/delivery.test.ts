/**
 * Notifications delivered for real: an SMTP server in its own process (the
 * `smtp-server` package), an HTTP receiver, the notification store on the
 * MongoDB-wire server. One message per condition until it clears, a message
 * when it clears, Standard Webhooks signatures, a rate limit, retries of a
 * failed delivery that never hold up the caller, secrets never sent, and two
 * replicas evaluating at once sending each message once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Condition } from "../../../runner/notify/conditions.ts";
import { createNotifier } from "../../../runner/notify/notifier.ts";
import { emailTransport, webhookTransport } from "../../../runner/notify/transports.ts";
import { createNotificationStore } from "../../../runner/store/notification-store.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { verifyStandardWebhook } from "../../../shared/standard-webhooks.ts";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";

let t: TestDb;
let smtp: SmtpSink;
let n = 0;
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const CLIENT_SECRET = "the-scim-client-secret-0123456789";

beforeAll(async () => {
  [t, smtp] = await Promise.all([openTestDb("notify"), startSmtpSink()]);
});
afterAll(async () => {
  await smtp.stop();
  await t.drop();
});

/** A notifier on its own collection, with the given transports. */
async function setup(
  o: { hook?: Receiver; format?: "slack" | "json"; email?: boolean; maxPerHour?: number } = {},
) {
  let now = new Date("2025-10-18T12:00:00Z");
  const db = t.mongo.client.db(`${t.name}_${++n}`);
  const store = createNotificationStore(db);
  await store.ensureIndexes();
  const transports = [
    ...(o.hook
      ? [
        webhookTransport({
          url: o.hook.url,
          format: o.format ?? "slack",
          secret: o.format === "json" ? SECRET : null,
          timeoutMs: 2_000,
        }),
      ]
      : []),
    ...(o.email
      ? [emailTransport({ smtpUrl: smtp.url, to: ["ops@ias.co.id"], from: "scim-sync@ias.co.id" })]
      : []),
  ];
  const make = () =>
    createNotifier({
      store,
      transports,
      logger: silentLogger,
      now: () => now,
      runner: "test-runner",
      maxPerHour: o.maxPerHour ?? 20,
      secrets: [CLIENT_SECRET],
      retryBaseMs: 60_000,
    });
  return {
    notifier: make(),
    make,
    store,
    db,
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
  };
}

const failing: Condition = {
  kind: "failing",
  episode: "run-7",
  severity: "critical",
  title: "3 scheduled syncs failed in a row",
  detail: `The last one: Failed to get access token for client secret ${CLIENT_SECRET}.`,
};
const held: Condition = {
  kind: "held",
  episode: "evt-1",
  severity: "warning",
  title: "105 deactivation(s) held by the gate",
  detail: "Nothing was deactivated.",
};

describe("notifications by webhook and e-mail", () => {
  test(
    "a condition is told once by both, again never while it lasts, then once when it clears",
    async () => {
      const hook = startReceiver();
      const sent0 = smtp.mails.length;
      const { notifier } = await setup({ hook, email: true });
      await notifier.update([failing]);
      await notifier.idle(10_000);
      await notifier.update([failing]); // still in force: nothing new
      await notifier.idle(10_000);
      expect(hook.requests.length).toBe(1);
      expect(JSON.parse(hook.requests[0]!.body)).toEqual({
        text:
          `🔴 *scim-sync: 3 scheduled syncs failed in a row*\nThe last one: Failed to get access token for client secret [redacted].`,
      });
      const mails = await smtp.received(sent0 + 1);
      const mail = mails[sent0]!;
      expect(mail.to).toEqual(["ops@ias.co.id"]);
      expect(mail.data).toContain(
        "Subject: [scim-sync] CRITICAL: 3 scheduled syncs failed in a row",
      );
      expect(mail.data).not.toContain(CLIENT_SECRET);
      expect(mail.data).not.toContain(hook.url);

      await notifier.update([]); // cleared
      await notifier.idle(10_000);
      expect(hook.requests.length).toBe(2);
      expect(JSON.parse(hook.requests[1]!.body).text).toContain(
        "Recovered: a scheduled sync succeeded again",
      );
      await smtp.received(sent0 + 2);
      expect(smtp.mails[sent0 + 1]!.data).toContain("Subject: [scim-sync] Recovered");
      await hook.stop();
    },
    60_000,
  );

  test(
    "the JSON format is a generic event signed with Standard Webhooks, verifiable by the receiver",
    async () => {
      const hook = startReceiver();
      const { notifier } = await setup({ hook, format: "json" });
      await notifier.update([held]);
      await notifier.idle(10_000);
      const [req] = await hook.received(1);
      const ok = await verifyStandardWebhook(
        {
          id: req!.headers["webhook-id"]!,
          timestamp: req!.headers["webhook-timestamp"]!,
          signature: req!.headers["webhook-signature"]!,
        },
        new TextEncoder().encode(req!.body),
        [SECRET],
        Number(req!.headers["webhook-timestamp"]) * 1000,
      );
      expect(ok).toBe(true);
      expect(JSON.parse(req!.body)).toMatchObject({
        type: "scim_sync.condition.raised",
        id: "held:evt-1:raised",
        condition: "held",
        severity: "warning",
      });
      await hook.stop();
    },
    30_000,
  );

  test(
    "a failed delivery is logged and retried later; the caller never waits for the receiver",
    async () => {
      const hook = startReceiver();
      hook.answer = "hang";
      const { notifier, store, advance } = await setup({ hook });
      const started = performance.now();
      await notifier.update([failing]);
      // The receiver never answers, yet update() is back at once (the delivery runs behind).
      expect(performance.now() - started).toBeLessThan(1_500);
      await hook.received(1);
      await notifier.idle(10_000); // the 2 s timeout ends the attempt
      hook.answer = 500;
      const [doc] = await store.due(new Date("2030-01-01"), 10);
      expect(doc).toMatchObject({ status: "pending", attempts: 1 });
      expect(doc!.lastError).toContain("webhook:");
      advance(60_000);
      await notifier.pump();
      expect(hook.requests.length).toBe(2); // retried, answered 500
      hook.answer = 200;
      advance(120_000);
      await notifier.pump();
      expect(hook.requests.length).toBe(3);
      expect((await store.due(new Date("2030-01-01"), 10)).length).toBe(0);
      await hook.stop();
    },
    30_000,
  );

  test("NOTIFY_MAX_PER_HOUR holds the rest back to the next hour, and drops nothing", async () => {
    const hook = startReceiver();
    const { notifier, advance } = await setup({ hook, maxPerHour: 2 });
    const three = ["a", "b", "c"].map((e) => ({ ...held, episode: e, kind: "held" as const }));
    await notifier.update([three[0]!]);
    await notifier.idle(5_000);
    await notifier.update(three.slice(0, 2));
    await notifier.idle(5_000);
    await notifier.update(three);
    await notifier.idle(5_000);
    // Three raised (a new held episode supersedes the old one silently); two sent this hour.
    expect(hook.requests.length).toBe(2);
    advance(3_600_000 + 1);
    await notifier.pump();
    expect(hook.requests.length).toBe(3);
    expect(hook.requests.map((r) => JSON.parse(r.body).text.split("\n")[0])).toEqual(
      Array(3).fill("🟠 *scim-sync: 105 deactivation(s) held by the gate*"),
    );
    await hook.stop();
  }, 30_000);

  test("two replicas evaluating the same conditions at once send each message once", async () => {
    const hook = startReceiver();
    const { make } = await setup({ hook });
    const a = make();
    const b = make();
    await Promise.all([a.update([failing, held]), b.update([failing, held])]);
    await Promise.all([a.idle(10_000), b.idle(10_000)]);
    expect(hook.requests.length).toBe(2);
    await Promise.all([a.update([held]), b.update([held])]);
    await Promise.all([a.idle(10_000), b.idle(10_000)]);
    expect(hook.requests.length).toBe(3); // one "recovered", not two
    await hook.stop();
  }, 30_000);
});
