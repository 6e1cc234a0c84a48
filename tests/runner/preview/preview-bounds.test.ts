// Previews within bounds, against real processes: the development SSO and the
// runner (`bun runner/main.ts`) each in their own process, the MongoDB-wire
// server, HTTP between them.
//
// - A preview is never a run: a "would abort" verdict records no history,
//   counts no run in /metrics and logs its own line, not "SCIM synchronization aborted".
// - One at a time, joined, cancelled when its callers leave, and answered past
//   Bun's 10 s idle timeout.
// - A full sync started through the scheduler while four clients loop on
//   Preview takes at most 1.2 × its time alone (the previews take only pacing
//   slots nobody else wants, and wait while a sync runs).
//
// `PREVIEW_BENCH_USERS=100000 npm test -- runner preview-bounds -t ratio` runs the
// ratio case at that size with the default SCIM_RATE_LIMIT and pages of 1,000,
// pausing a minute before each measured run as a schedule would.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import type { SyncPreview } from "../../../runner/preview/sync-preview.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";
import { type RunnerProcess, startRunner, waitFor } from "../support/runner-process.ts";
import { type SsoProcess, startSso } from "../support/sso-process.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");

const BENCH_USERS = Number(process.env.PREVIEW_BENCH_USERS ?? 0);

/** An SSO process and a runner process over a fresh database. */
async function world(
  name: string,
  sso: { users: number; delayMs: number; maxResults: number },
  env: Record<string, string>,
) {
  const db = await openTestDb(name);
  const s = await startSso(sso);
  const runner = await startRunner({
    ...s.env,
    MONGODB_URI: db.uri,
    MONGODB_DB: db.name,
    SYNC_ON_START: "false",
    SYNC_INTERVAL: "6h",
    SCIM_PAGE_SIZE: String(sso.maxResults),
    ...env,
  }, 60_000);
  return {
    db,
    sso: s,
    runner,
    async close() {
      runner.signal("SIGTERM");
      await runner.exited;
      await s.stop();
      await db.drop();
    },
  };
}
type World = Awaited<ReturnType<typeof world>>;

/** Starts a full sync through the scheduler (as the schedule does) and waits for its record. */
async function fullSync(
  w: World,
  timeoutMs = 120_000,
): Promise<{ status: string; durationMs: number }> {
  const res = await fetch(`${w.runner.url}/api/v1/scim/sync?type=full`, { method: "POST" });
  const body = await res.text();
  expect({ status: res.status, body }).toMatchObject({ status: 202 });
  const { runId } = JSON.parse(body) as { runId: string };
  const job = await waitFor(
    async () => {
      const s = await (await fetch(`${w.runner.url}/api/v1/scim/sync/status?runId=${runId}`))
        .json();
      // Ended, recorded, and the lease given back: the next trigger is not refused.
      return s.job && s.job.status !== "running" && s.job.historyId && !s.running ? s.job : null;
    },
    timeoutMs,
    `the end of run ${runId}`,
  );
  const { ObjectId } = await import("mongodb");
  const doc = await w.db.mongo.db.collection("syncHistory").findOne({
    _id: ObjectId.createFromHexString(job.historyId),
  });
  return { status: String(doc?.status), durationMs: Number(doc?.durationMs) };
}

/** POST /api/v1/scim/sync/preview; the answer's status and text ("" when the connection was cut). */
async function preview(w: World, signal?: AbortSignal) {
  try {
    const res = await fetch(`${w.runner.url}/api/v1/scim/sync/preview`, { method: "POST", signal });
    return { status: res.status, text: await res.text() };
  } catch (e) {
    if (signal?.aborted) throw e;
    return { status: 0, text: "" };
  }
}

/** A counter of /metrics, summed over its series that contain `match`. */
async function metric(w: World, name: string, match = ""): Promise<number> {
  const body = await (await fetch(`${w.runner.url}/metrics`)).text();
  return body.split("\n").filter((l) => l.startsWith(name) && l.includes(match))
    .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
}

const lines = (w: World, fragment: string) => w.runner.lines.filter((l) => l.includes(fragment));

describe("a preview is never a run", () => {
  let w: World;
  beforeAll(async () => {
    w = await world("preview_not_a_run", { users: 30, delayMs: 0, maxResults: 50 }, {
      SYNC_MAX_DEACTIVATE: "1",
      SCIM_RATE_LIMIT: "6000",
    });
  }, 90_000);
  afterAll(() => w?.close());

  test(
    "a preview whose verdict is 'would abort' records no history, counts no run and logs its own line",
    async () => {
      expect((await fullSync(w)).status).toBe("success");
      await w.sso.mutate({ deleteUsers: 3 });
      const answer = await preview(w);
      expect(answer.status).toBe(200);
      const p = JSON.parse(answer.text) as SyncPreview;
      expect(p.wouldAbort).toBe(true);
      // Past SYNC_MAX_DEACTIVATE=1 (a deleted user may already have been inactive).
      expect(p.users.deactivate.count).toBeGreaterThan(1);

      expect(await w.db.mongo.db.collection("syncHistory").countDocuments()).toBe(1);
      expect(await metric(w, "scim_sync_runs_total", 'status="aborted"')).toBe(0);
      expect(await metric(w, "scim_sync_runs_total", 'status="success"')).toBe(1);
      expect(await metric(w, "scim_sync_duration_seconds_count")).toBe(1);
      await waitFor(() => lines(w, "🧪 Preview (nothing written").length > 0, 5000, "its line");
      expect(lines(w, "the guard would abort this sync").length).toBe(1);
      expect(lines(w, "SCIM synchronization aborted")).toEqual([]);
    },
    60_000,
  );

  test(
    "`npm run sync -- --dry-run` whose verdict is 'would abort' says so as a dry run, not as an aborted sync",
    async () => {
      const proc = Bun.spawn([BUN, "runner/cli/sync.ts", "--dry-run"], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          ...w.sso.env,
          MONGODB_URI: w.db.uri,
          MONGODB_DB: w.db.name,
          SYNC_MAX_DEACTIVATE: "1",
        },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [out, err] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      const output = out + err;
      expect(output).toContain(
        "🧪 Dry Run: the deactivation guard would abort this sync (nothing was written)",
      );
      expect(output).not.toContain("SCIM synchronization aborted");
      expect(output).not.toContain("⛔ Synchronization Aborted");
      expect(await w.db.mongo.db.collection("syncHistory").countDocuments()).toBe(1);
    },
    60_000,
  );
});

describe("one preview at a time, for as long as someone waits", () => {
  let w: World;
  // Each SCIM request takes 450 ms: a listing of ~25 requests outlasts Bun's 10 s idle timeout.
  beforeAll(async () => {
    w = await world("preview_flight", { users: 500, delayMs: 450, maxResults: 25 }, {
      SCIM_RATE_LIMIT: "6000",
      SCIM_TIMEOUT_MS: "5000",
    });
    expect((await fullSync(w)).status).toBe("success");
  }, 120_000);
  afterAll(() => w?.close());

  /** Waits until the running preview has listed `n` pages of users. */
  const pagesListed = async (base: number, n: number) =>
    await waitFor(
      async () => (await metric(w, "scim_requests_total", 'resource="Users"')) >= base + n,
      30_000,
      `${n} pages listed by the preview`,
    );

  test(
    "a preview a caller left is cancelled: it stops listing and logs that it was cancelled",
    async () => {
      const base = await metric(w, "scim_requests_total", 'resource="Users"');
      const controller = new AbortController();
      const asked = preview(w, controller.signal).catch((e: Error) => e.name);
      await pagesListed(base, 3);
      controller.abort();
      expect(await asked).toBe("AbortError");
      await waitFor(() => lines(w, "🧪 Preview cancelled").length > 0, 10_000, "the cancel line");
      const listed = (await metric(w, "scim_requests_total", 'resource="Users"')) - base;
      // A whole listing is 21 pages (500 users, 25 a page, and the empty page that proves the end).
      expect(listed).toBeLessThan(10);
      expect(lines(w, "🧪 Preview (nothing written")).toEqual([]);
    },
    60_000,
  );

  test(
    "callers join the preview under way; one leaving does not stop it; the others get the same whole answer past 10 s",
    async () => {
      const started = lines(w, "🧪 Preview started").length;
      const base = await metric(w, "scim_requests_total", 'resource="Users"');
      const t0 = Date.now();
      const leaver = new AbortController();
      const left = preview(w, leaver.signal).catch((e: Error) => e.name);
      await pagesListed(base, 1);
      const [a, b] = [preview(w), preview(w)];
      await pagesListed(base, 3);
      leaver.abort();
      expect(await left).toBe("AbortError");
      const [ra, rb] = await Promise.all([a, b]);
      expect(Date.now() - t0).toBeGreaterThan(10_000);
      expect([ra.status, rb.status]).toEqual([200, 200]);
      const pa = JSON.parse(ra.text) as SyncPreview;
      expect(pa.kind).toBe("sync-preview");
      expect(pa.users.fetched).toBe(500);
      expect(rb.text).toBe(ra.text);
      expect(lines(w, "🧪 Preview started").length).toBe(started + 1);
      // One listing for the three callers: 21 pages of users.
      expect((await metric(w, "scim_requests_total", 'resource="Users"')) - base).toBe(21);
    },
    90_000,
  );
});

/** Four clients looping on Preview until `stop` aborts; 1 per whole answer, 0 per cut one. */
function loopingClients(w: World, stop: AbortSignal) {
  const answers: number[] = [];
  const previewRequests: number[] = [];
  const done = Promise.all(Array.from({ length: 4 }, async () => {
    while (!stop.aborted) {
      const r = await preview(w, stop).catch(() => null);
      if (r) answers.push(r.status === 200 && r.text.startsWith("{") ? 1 : 0);
    }
  }));
  return { answers, done };
}

/**
 * One full sync while four clients loop on Preview, started once the previews are listing
 * users (as a scheduled sync finds them: past the start every preview makes).
 */
async function syncWithPreviews(w: World, ownRequests: number) {
  const base = await metric(w, "scim_requests_total", 'resource="Users"');
  const stop = new AbortController();
  const clients = loopingClients(w, stop.signal);
  await waitFor(
    async () => (await metric(w, "scim_requests_total", 'resource="Users"')) >= base + 3,
    120_000,
    "the previews listing",
  );
  // The previews' requests while the sync ran: all the SSO got then, less the sync's own.
  // (A preview resumes only a poll after the sync has ended: the read below comes first.)
  const before = await metric(w, "scim_requests_total", 'resource="Users"');
  const run = await fullSync(w, 900_000);
  const during = (await metric(w, "scim_requests_total", 'resource="Users"')) - before;
  stop.abort();
  await clients.done;
  return { ...run, answers: clients.answers, previewRequests: during - ownRequests };
}

/**
 * The ratio case. The test: 40,000 users in pages of 200, no binding rate limit, so previews
 * run flat out until the sync begins — what keeps the sync at its own pace is that they stop
 * for it. (What they may take of a binding budget is tests/runner/scim/rate-limiter.test.ts.)
 * The bench: PREVIEW_BENCH_USERS in pages of 1,000 at the default SCIM_RATE_LIMIT of 100.
 */
function ratioCase(name: string, perMinute: number) {
  const users = BENCH_USERS || 40_000;
  const page = BENCH_USERS ? 1000 : 200;
  // A timing ratio, measured where the sync's cost is MongoDB's shape (mongo-java-server, npm
  // test's first pass). The FerretDB pass re-runs the runner group for what the store does there;
  // its SQLite backend at 40,000 users made this one case 4 minutes of noise (alone 13.5-22.3 s).
  const onFerret = process.env.MONGO_SERVER_KIND === "ferretdb" && !BENCH_USERS;
  describe.skipIf(onFerret)(
    `a full sync while four clients loop on Preview (${name})${
      onFerret ? " [skipped: a timing ratio, measured on mongo-java-server, not on FerretDB]" : ""
    }`,
    () => {
      let w: World;
      beforeAll(async () => {
        w = await world(`preview_ratio_${name}`, { users, delayMs: 0, maxResults: page }, {
          SCIM_RATE_LIMIT: String(perMinute),
          SYNC_MAX_DURATION: "20m",
        });
        expect((await fullSync(w, 900_000)).status).toBe("success");
      }, 1_000_000);
      afterAll(() => w?.close());

      /** As between scheduled runs: a quiet minute first (bench only; the test needs no wait). */
      const refill = () => BENCH_USERS ? Bun.sleep(61_000) : Promise.resolve();

      test(
        `ratio (${name}): previews send nothing while the sync runs (the bench: the sync takes at most 1.2 × its time alone)`,
        async () => {
          // The first run after the seed warms caches and JIT; the runs measured are steady ones.
          expect((await fullSync(w, 900_000)).status).toBe("success");
          // Alone and with previews in turn, five times (twice in the bench). Other work on the
          // machine only ever slows a run, so the fastest of each is the one least disturbed.
          const alone: number[] = [];
          const withPreviews: number[] = [];
          const answers: number[] = [];
          const previewRequests: number[] = [];
          for (let round = 0; round < (BENCH_USERS ? 2 : 5); round++) {
            await refill();
            const a = await fullSync(w, 900_000);
            expect(a.status).toBe("success");
            alone.push(a.durationMs);
            await refill();
            const stopped = lines(w, "🧪 Preview stopped: a sync began").length;
            // Every page of users, and one past the end (a full last page: listing-proof.ts).
            const b = await syncWithPreviews(w, Math.ceil(users / page) + 1);
            previewRequests.push(b.previewRequests);
            expect(b.status).toBe("success");
            // The preview under way stopped for the sync.
            await waitFor(
              () => lines(w, "🧪 Preview stopped: a sync began").length === stopped + 1,
              10_000,
              "the preview to say it stopped for the sync",
            );
            withPreviews.push(b.durationMs);
            answers.push(...b.answers);
          }
          const ratio = Math.min(...withPreviews) / Math.min(...alone);
          console.log(
            `preview-bounds (${name}): ${users} users, pages of ${page}, SCIM_RATE_LIMIT=${perMinute}: ` +
              `alone ${alone.join(", ")} ms; with four clients looping on Preview ${
                withPreviews.join(", ")
              } ms; ratio of the fastest ${ratio.toFixed(2)}; preview answers ${answers.length}, ` +
              `whole ${answers.filter((x) => x === 1).length}; preview requests during the sync ` +
              previewRequests.join(", "),
          );
          if (BENCH_USERS) {
            // The bench's target, on a machine given to it.
            expect(ratio).toBeLessThanOrEqual(1.2);
          } else {
            // npm test asserts the mechanism, not the time: on two shared cores the fastest of
            // five runs alone spread 456-885 ms, and the ratio once read 1.25 with previews that
            // did stop; with previews that did not wait (busy() always false) it read 1.12 while
            // they answered 12 times. A preview waits while the sync runs: past the requests in
            // flight as it began, it sends none.
            expect(Math.max(...previewRequests)).toBeLessThanOrEqual(20);
          }
          // Answers that did come (the bench's previews finish some) were whole, none cut.
          expect(answers.filter((x) => x === 0)).toEqual([]);
        },
        2_000_000,
      );
    },
  );
}

ratioCase(BENCH_USERS ? "bench" : "test", BENCH_USERS ? 100 : 100_000);
