/**
 * The held deactivations from the command line alone, as real `npm run sync` processes against
 * the development SSO and the MongoDB-wire server: a full sync with 100 people gone is refused and
 * says where to decide; 3 approved by email, 2 rejected, the rest applied once the number is
 * confirmed on stdin. Asserted on what the commands print, their exit codes and MongoDB.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const GUARD = { SYNC_MAX_DEACTIVATE: "20", SCIM_RATE_LIMIT: "60000" };
let t: SyncEnv;
let removed: string[] = [];

beforeAll(async () => {
  t = await syncEnv("cli_held", { users: 200, maxResults: 100 });
  const rt = await t.runtime(GUARD);
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  removed = t.sso.sso.directory.list("User").filter((u) => u.active !== false).slice(0, 100)
    .map((u) => String(u.id));
  for (const id of removed) t.sso.sso.directory.remove("User", id);
}, 60_000);
afterAll(() => t.close());

/** `bun runner/cli/sync.ts …` with `input` on its stdin. */
async function cli(args: string[], input = "") {
  const proc = Bun.spawn([resolve(ROOT, "node_modules/.bin/bun"), "runner/cli/sync.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...t.env, ...GUARD },
    stdin: new Blob([input]),
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

const users = () => t.mongo.db(t.dbName).collection("users");
const held = () => t.mongo.db(t.dbName).collection("heldDeactivations");
const active = (ids: readonly string[]) =>
  users().countDocuments({ ssoUserId: { $in: [...ids] }, isActive: true });

describe("npm run sync -- --list-held / --apply-held / --reject-held", () => {
  test(
    "`sync.ts` is aborted by the gate (exit 1), names what to do, and lists the 100 it held",
    async () => {
      const r = await cli([]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("approve them under Held deactivations on the sync page");
      expect(r.stdout).toContain("⏸️ Held deactivations: 100");
      const listed = await cli(["--list-held"]);
      expect(listed.code).toBe(0);
      const lines = listed.stdout.split("\n").filter((l) => l.startsWith("    - "));
      expect(lines).toHaveLength(100);
      for (const id of removed) expect(listed.stdout).toContain(`User:${id}`);
      expect(lines[0]).toContain("absent from a complete listing of the SSO");
    },
    60_000,
  );

  test(
    "`sync.ts --apply-held <3 emails>` asks, deactivates those 3 once answered y, and records who",
    async () => {
      const three = await held().find({ status: "held" }).sort({ since: 1 }).limit(3).toArray();
      const emails = three.map((h) => String(h.email));
      const r = await cli(["--apply-held", ...emails], "y\n");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Approve 3 held deactivations? Type y to confirm");
      for (const h of three) expect(r.stdout).toContain(`${h.name} (User:${h.resourceId})`);
      expect(r.stdout).toContain("✅ 3 deactivated, 0 not applied");
      expect(await active(three.map((h) => String(h.resourceId)))).toBe(0);
      const decided = await held().find({ status: "applied" }).toArray();
      expect(decided).toHaveLength(3);
      expect(String(decided[0]!.decision.by)).toMatch(/^command line \(.+@.+\)$/);
    },
    60_000,
  );

  test(
    "`sync.ts --reject-held <2 ids> --yes` keeps them active; without ids it refuses (exit 2)",
    async () => {
      expect((await cli(["--reject-held", "--yes"])).code).toBe(2);
      const two = await held().find({ status: "held" }).sort({ since: 1 }).limit(2).toArray();
      const r = await cli(["--reject-held", two.map((h) => String(h._id)).join(","), "--yes"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("✅ 2 rejected: kept active");
      expect(await active(two.map((h) => String(h.resourceId)))).toBe(2);
      expect(await held().countDocuments({ status: "rejected" })).toBe(2);
    },
    60_000,
  );

  test(
    "`sync.ts --apply-held` for all states 95, decides nothing unless answered y, then applies the 95",
    async () => {
      const no = await cli(["--apply-held"], "n\n");
      expect(no.code).toBe(1);
      expect(no.stdout).toContain("Approve 95 held deactivations? Type y to confirm");
      expect(no.stdout).toContain("Not confirmed: nothing decided");
      expect(await active(removed)).toBe(97);
      const closed = await cli(["--apply-held"]);
      expect(closed.code).toBe(1);
      expect(await active(removed)).toBe(97);
      const yes = await cli(["--apply-held", "--json"], "y\n");
      expect(yes.code).toBe(0);
      expect(JSON.parse(yes.stdout)).toMatchObject({
        action: "apply",
        deactivated: 95,
        notApplied: 0,
      });
      expect(await active(removed)).toBe(2);
      expect(await held().countDocuments({ status: "held" })).toBe(0);
    },
    90_000,
  );
});
