// The sync page's history table and last-run card with a purge among the syncs.
import { describe, expect, test } from "bun:test";
import { loadSyncPage } from "../../../runner/http/page-data.ts";
import { SyncPage } from "../../../runner/http/status-page.tsx";
import type { PurgeRecord } from "../../../runner/store/purge-store.ts";
import { emptyStats } from "../../../runner/sync/sync-stats.ts";

const at = (s: string) => new Date(`2025-01-01T${s}Z`);

/** A purge's record as purge/run-purge.ts finishes it: no sync counts, its deletes. */
const purge: PurgeRecord & { _id: string } = {
  _id: "p1",
  type: "purge",
  startedAt: at("01:00:00"),
  completedAt: at("01:00:02"),
  status: "success",
  cutoff: at("00:00:00"),
  inactiveForMs: 90 * 86_400_000,
  forced: false,
  durationMs: 2000,
  stats: { candidates: 4, usersDeleted: 3, keptActive: 1, unconfirmed: 0, errors: [] },
};
const sync = {
  _id: "s1",
  type: "scim_full_sync",
  status: "success",
  startedAt: at("00:00:00"),
  completedAt: at("00:00:05"),
  durationMs: 5000,
  stats: { ...emptyStats(), usersCreated: 7, usersUnchanged: 40 },
  error: null,
};

async function html(rows: unknown[] = [purge, sync]): Promise<string> {
  const data = await loadSyncPage({
    ssoBaseUrl: "http://sso.example",
    connection: async () => ({ ok: false, error: "not checked" }),
    recentHistory: async () => rows,
    leaseHolder: async () => null,
    scheduler: { current: null, nextRunAt: null, nextRunType: null },
    now: () => at("02:00:00"),
  }, null);
  return String(SyncPage({ data }));
}

describe("HistoryTable()", () => {
  test("HistoryTable() shows a purge row as its deleted count, not as 0/0/0/0", async () => {
    const rows = (await html()).split("<tr").filter((r) => r.includes('data-label="Type"'));
    const purgeRow = rows.find((r) => r.includes(">purge<"))!;
    expect(purgeRow).toContain(">3 deleted<");
    expect(purgeRow).not.toContain("0/0/0/0");
    const syncRow = rows.find((r) => r.includes(">full<"))!;
    expect(syncRow).toContain(">7/0/40/0<");
  });

  test("a run that linked existing OFM accounts says so in its row and the last-run card; one that linked nobody does not", async () => {
    const linking = {
      ...sync,
      _id: "s2",
      startedAt: at("01:30:00"),
      stats: { ...emptyStats(), usersCreated: 1800, usersLinked: 200, usersRelinked: 3 },
    };
    const page = await html([linking, sync]);
    const rows = page.split("<tr").filter((r) => r.includes('data-label="Type"'));
    expect(rows[0]).toContain("(200 linked, 3 relinked)");
    expect(rows[1]).not.toContain("linked");
    const card = page.slice(page.indexOf('id="last-run"'));
    expect(card).toMatch(/<b>200<\/b>\s*<span>Users linked<\/span>/);
    expect(card).toMatch(/<b>3<\/b>\s*<span>Users relinked<\/span>/);
    expect(await html()).not.toContain("Users linked");
  });

  test("LastRun() shows the newest sync, not a newer purge", async () => {
    const page = await html();
    const card = page.slice(
      page.indexOf('id="last-run"'),
      page.indexOf("</section>", page.indexOf('id="last-run"')),
    );
    expect(card).toContain("full sync started");
    expect(card).toContain("<b>7</b>");
  });
});
