/**
 * A directory that keeps failing, end to end: a real runner process against
 * the development SSO (in its own process) answering 503, notifications to a
 * real HTTP receiver. After SYNC_QUARANTINE_AFTER failed full syncs the page,
 * /health, the metric and a notification all say "quarantined", with the
 * last error; "Retry now" through the API ends it, and recovery is told.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { type RunnerProcess, startRunner, waitFor } from "../support/runner-process.ts";
import { type SsoProcess, startSso } from "../support/sso-process.ts";

let t: TestDb;
let sso: SsoProcess;
let hook: Receiver;
let runner: RunnerProcess;

beforeAll(async () => {
  [t, sso] = await Promise.all([openTestDb("quarantine_e2e"), startSso({ users: 10, delayMs: 0 })]);
  hook = startReceiver();
});
afterAll(async () => {
  if (runner?.proc.exitCode === null) runner.signal("SIGKILL");
  await hook.stop();
  await sso.stop();
  await t.drop();
});

const texts = () => hook.requests.map((r) => JSON.parse(r.body).text as string);

describe("quarantine seen by an operator", () => {
  test(
    "page, /health, metric and notification say quarantined; Retry now ends it; recovery is told",
    async () => {
      await sso.faults([{ kind: "status", status: 503, route: "list" }]);
      runner = await startRunner({
        ...sso.env,
        MONGODB_URI: t.uri,
        MONGODB_DB: t.name,
        SYNC_INTERVAL: "2s",
        SYNC_JITTER: "0",
        SCIM_MAX_RETRIES: "0",
        SCIM_RATE_LIMIT: "60000",
        SYNC_QUARANTINE_AFTER: "2",
        SYNC_QUARANTINE_INTERVAL: "1h",
        NOTIFY_WEBHOOK_URL: hook.url,
        NOTIFY_FAILURES: "2",
      });
      const metric = async () =>
        /^scim_sync_quarantined (\d)$/m.exec(await (await fetch(`${runner.url}/metrics`)).text())
          ?.[1];
      await waitFor(async () => (await metric()) === "1", 30_000, "the quarantine gauge at 1");

      const health = await fetch(`${runner.url}/health`);
      const report = (await health.json()) as {
        status: string;
        problems: string[];
        quarantine: { active: boolean; failures: number; lastError: string };
      };
      // Quarantine alone is "degraded" (200); at a 2 s interval the "no success within two
      // intervals" rule soon holds as well, and that one is 503.
      const stale = report.problems.some((p) => p.startsWith("No successful sync"));
      expect({ code: health.status, status: report.status }).toEqual(
        stale ? { code: 503, status: "unhealthy" } : { code: 200, status: "degraded" },
      );
      expect(report.quarantine).toMatchObject({ active: true, failures: 2 });
      expect(report.problems.join("\n")).toContain("Quarantined after 2 failed full syncs: ");
      expect(report.quarantine.lastError).toContain("503");

      const page = await (await fetch(`${runner.url}/modules/sync`)).text();
      expect(page).toContain('id="quarantine"');
      expect(page).toContain("Retry now");

      await hook.received(2);
      await waitFor(
        () => texts().some((x) => x.includes("Quarantined: 2 full syncs failed")),
        20_000,
        "the quarantine message",
      );
      expect(texts().some((x) => x.includes("2 scheduled syncs failed in a row"))).toBe(true);

      // The directory is fixed; the operator presses Retry now (the API behind the admin rule).
      await sso.faults(null);
      const retry = await fetch(`${runner.url}/api/v1/scim/sync/retry`, { method: "POST" });
      expect(retry.status).toBe(202);
      await waitFor(async () => (await metric()) === "0", 30_000, "the quarantine gauge back at 0");
      await waitFor(
        () =>
          texts().some((x) => x.includes("Quarantine left")) &&
          texts().some((x) => x.includes("Recovered")),
        30_000,
        "the quarantine-left and recovered messages",
      );
      const after = (await (await fetch(`${runner.url}/health`)).json()) as { status: string };
      expect(after.status).toBe("ok");
      // One message per condition raised and one per condition cleared, no storm.
      expect(hook.requests.length).toBe(4);
      runner.signal("SIGTERM");
      expect(await runner.exited).toBe(0);
    },
    120_000,
  );
});
