/**
 * `npm run sync -- --inspect / --user / --group / --apply-held` as real
 * processes against the development SSO and the MongoDB-wire server: the text
 * on stdout, the JSON alone on stdout with --json, the exit codes, and the
 * change log an operator's press writes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { ENTERPRISE_URN } from "../../../dev/sso/generator.ts";
import type { Runtime } from "../../../runner/compose.ts";
import { userEvent } from "../support/ingest-harness.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const ROOT = resolve(import.meta.dir, "../../..");
type Json = Record<string, unknown>;

let t: SyncEnv;
let rt: Runtime;
/** The guard holds every deactivation: a webhook delete is held, a CLI press applies it. */
const GUARD = { SYNC_MAX_DEACTIVATE: "0" };

beforeAll(async () => {
  t = await syncEnv("cli_person", { users: 20, maxResults: 50 });
  rt = await t.runtime(GUARD);
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
}, 60_000);
afterAll(() => t.close());

async function cli(args: string[]) {
  const proc = Bun.spawn([resolve(ROOT, "node_modules/.bin/bun"), "runner/cli/sync.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...t.env, ...GUARD },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

/** The n-th active user with a department, moved to another department in the SSO. */
function movedUser(n: number, department: string) {
  const u = t.sso.sso.directory.list("User").filter((x) =>
    x.active !== false && (x[ENTERPRISE_URN] as Json | undefined)?.department
  )[n]!;
  const id = String(u.id);
  const old = String((u[ENTERPRISE_URN] as Json).department);
  t.sso.sso.directory.update("User", id, (cur) => ({
    ...cur,
    [ENTERPRISE_URN]: { ...(cur[ENTERPRISE_URN] as Json), department },
  }));
  return { id, email: String(u.userName), old };
}

const changesOf = (resourceId: string) =>
  t.mongo.db(t.dbName).collection("syncChanges").find({ resourceId }).sort({ at: -1 }).toArray();

describe("npm run sync -- --inspect", () => {
  test(
    "`sync.ts --inspect <email>` prints the verdict and the differing field as text, exit 0",
    async () => {
      const jane = movedUser(0, "D-CLI-TEXT");
      const r = await cli(["--inspect", jane.email]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`👤 ${jane.email} (ssoUserId ${jane.id}): OUT OF STEP`);
      // Changed in the SSO with no webhook: the recorded cause, and a command to run, not a button.
      expect(r.stdout).toContain("[webhook_missing]");
      expect(r.stdout).toContain(`npm run sync -- --user ${jane.id}`);
      expect(r.stdout).not.toMatch(/press|button/i);
      expect(r.stdout).toContain("Next full sync: ");
      expect(r.stdout).toMatch(
        new RegExp(`≠ departmentId +${jane.old}( \\([^)]*\\))? → D-CLI-TEXT`),
      );
    },
    30_000,
  );

  test(
    "`sync.ts --inspect <id> --json` prints the report alone on stdout, the text on stderr",
    async () => {
      const jane = movedUser(1, "D-CLI-JSON");
      const r = await cli(["--inspect", jane.id, "--json"]);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as Json;
      expect(report).toMatchObject({ key: jane.id, ssoUserId: jane.id });
      expect((report.findings as Json[]).map((f) => f.cause)).toEqual(["webhook_missing"]);
      expect(r.stderr).toContain("[webhook_missing]");
    },
    30_000,
  );

  test("`sync.ts --inspect` exits 4 when neither OFM nor the SSO knows the key", async () => {
    const r = await cli(["--inspect", "nobody@nowhere.example", "--json"]);
    expect(r.code).toBe(4);
    expect((JSON.parse(r.stdout) as Json).ofm).toBeNull();
  }, 30_000);
});

describe("npm run sync -- --find", () => {
  test(
    "`sync.ts --find <start of a last name>` lists the people it fits with the id for --user, exit 0; 4 for nobody",
    async () => {
      const someone = t.sso.sso.directory.list("User").find((u) => u.active !== false)!;
      const family = String((someone.name as Json).familyName);
      const r = await cli(["--find", family.slice(0, 4).toUpperCase()]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`<${String(someone.userName)}>`);
      expect(r.stdout).toContain(`--user ${String(someone.id)}`);
      expect((await cli(["--find", "zzz-nobody"])).code).toBe(4);
    },
    30_000,
  );
});

describe("npm run sync -- --user / --group", () => {
  test(
    "`sync.ts --user <email>` syncs the person now (exit 0) and exits 4 for an unknown one",
    async () => {
      const jane = movedUser(2, "D-CLI-USER");
      const r = await cli(["--user", jane.email, "--json"]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as Json;
      expect(out).toMatchObject({ outcome: "updated", ssoUserId: jane.id });
      const users = t.mongo.db(t.dbName).collection("users");
      expect((await users.findOne({ ssoUserId: jane.id }))?.departmentId).toBe("D-CLI-USER");
      expect((await changesOf(jane.id))[0]).toMatchObject({
        fields: ["departmentId"],
        source: { kind: "on_demand", historyId: out.historyId },
      });
      expect(out.changes).toEqual([{
        action: "updated",
        fields: ["departmentId"],
        values: { departmentId: { old: jane.old, new: "D-CLI-USER" } },
      }]);
      const again = movedUser(2, "D-CLI-USER-2");
      const printed = await cli(["--user", again.email]);
      expect(printed.code).toBe(0);
      expect(printed.stdout).toContain("  departmentId: D-CLI-USER → D-CLI-USER-2");
      const text = await cli(["--user", "nobody@nowhere.example"]);
      expect(text.code).toBe(4);
      expect(text.stdout).toContain('No user "nobody@nowhere.example"');
    },
    30_000,
  );

  test(
    "`sync.ts --group <name>` syncs one org unit now (exit 0) and exits 4 for an unknown one",
    async () => {
      const g = t.sso.sso.directory.list("Group")[0]!;
      const id = String(g.id);
      t.sso.sso.directory.update("Group", id, (cur) => ({ ...cur, displayName: "CLI Renamed" }));
      const r = await cli(["--group", String(g.displayName), "--json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ outcome: "updated", orgUnitId: id });
      const units = t.mongo.db(t.dbName).collection("orgUnits");
      expect((await units.findOne({ _id: id as never }))?.unitName).toBe("CLI Renamed");
      expect((await cli(["--group", "No Such Unit"])).code).toBe(4);
    },
    30_000,
  );
});

describe("npm run sync -- --apply-held", () => {
  test(
    "`sync.ts --apply-held` applies a held webhook delete and logs it with source held_event and the event id",
    async () => {
      const leaver = movedUser(3, "D-IRRELEVANT");
      t.sso.sso.directory.remove("User", leaver.id);
      const e = userEvent({
        id: "evt-held-cli-1",
        event: "user.deleted",
        resourceId: leaver.id,
        timestamp: new Date().toISOString(),
      });
      expect((await rt.events.apply(e)).status).toBe("held");
      const users = t.mongo.db(t.dbName).collection("users");
      expect((await users.findOne({ ssoUserId: leaver.id }))?.isActive).toBe(true);
      const r = await cli(["--apply-held", "--yes", "--json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ action: "apply", deactivated: 1 });
      expect((await users.findOne({ ssoUserId: leaver.id }))?.isActive).toBe(false);
      const [rec] = await changesOf(leaver.id);
      expect(rec).toMatchObject({
        resourceType: "User",
        action: "deactivated",
        fields: ["isActive"],
        values: { isActive: { old: true, new: false } },
        source: { kind: "held_event", eventId: "evt-held-cli-1" },
      });
    },
    30_000,
  );
});
