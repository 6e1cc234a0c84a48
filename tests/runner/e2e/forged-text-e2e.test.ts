// Text output hygiene end to end: a person whose userName and names carry ESC
// sequences, CR/LF, bidirectional overrides and the text of the summary's own
// success block is synced by the real `npm run sync` (a Bun process against
// the development SSO over HTTP and the MongoDB-wire server), then shown by
// `npm run sync -- --inspect` and `--user`. Whatever the SSO sends, every line
// printed is one the program wrote: the forged text shows up escaped inside
// its own line, never as a line of its own, and no control character reaches
// the terminal.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const TITLE = "✅ Synchronization Completed Successfully";
const FORGED = `\x1b[2K\x1b[1A\r\n${TITLE}\r\n  Errors:      0\n\x9b31m`;
const USER_NAME = `eve${FORGED}@ias.co.id`;
/** Anything that moves the cursor, ends a line early or reorders text. */
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let t: SyncEnv;
let id = "";

beforeAll(async () => {
  t = await syncEnv("forged_text", { users: 5, maxResults: 50 });
  const created = t.sso.sso.directory.create("User", {
    userName: USER_NAME,
    name: { givenName: `Eve${FORGED}`, familyName: "\u202eredaeL" },
    active: true,
  });
  id = String(created.id);
}, 60_000);
afterAll(() => t.close());

/** `bun runner/cli/<script> <args>` as npm runs it: its exit code and everything it printed. */
async function npmRun(script: "sync" | "purge", args: string[] = []) {
  const proc = Bun.spawn([BUN, `runner/cli/${script}.ts`, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...t.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, output: `${stdout}${stderr}` };
}

/** No control character, no line that starts with the forged title or "Errors: 0", `titles` real titles. */
function expectOnlyOwnLines(output: string, titles: number) {
  expect(output).not.toMatch(CONTROL);
  const lines = output.split("\n");
  expect(lines.filter((l) => l.startsWith(TITLE)).length).toBe(titles);
  expect(lines.filter((l) => /^\s*Errors:\s+0$/.test(l)).length).toBe(titles);
}

const ESCAPED = `\\x1b[2K\\x1b[1A\\r\\n${TITLE}\\r\\n  Errors:      0\\n\\x9b31m`;

describe("forged text from the SSO through `npm run sync` and `npm run purge`", () => {
  test(
    "`npm run sync` syncs the forged person, then `--inspect` shows its userName and names escaped on their lines",
    async () => {
      const sync = await npmRun("sync");
      expect({ code: sync.code, output: sync.output }).toMatchObject({ code: 0 });
      expectOnlyOwnLines(sync.output, 1);
      const stored = await t.mongo.db(t.dbName).collection("users").findOne({ ssoUserId: id });
      // The database keeps the exact value; only its printing is escaped.
      expect(stored?.email).toBe(USER_NAME);

      const inspect = await npmRun("sync", ["--inspect", id]);
      expect({ code: inspect.code, output: inspect.output }).toMatchObject({ code: 0 });
      expectOnlyOwnLines(inspect.output, 0);
      const first = inspect.output.split("\n").find((l) => l.startsWith("👤 "));
      expect(first).toStartWith(`👤 eve${ESCAPED}@ias.co.id (ssoUserId ${id})`);
      expect(inspect.output).toContain("\\u202eredaeL");
    },
    60_000,
  );

  test("`npm run purge` lists the forged person escaped on its own line", async () => {
    const users = t.mongo.db(t.dbName).collection("users");
    if (!(await users.findOne({ ssoUserId: id }))) expect((await npmRun("sync")).code).toBe(0);
    // Inactive in OFM for 200 days while the SSO still lists it active: purge keeps it and says why.
    await t.mongo.db(t.dbName).collection("users").updateOne({ ssoUserId: id }, {
      $set: { isActive: false, deactivatedAt: new Date(Date.now() - 200 * 86_400_000) },
    });
    const purge = await npmRun("purge", ["--inactive-for", "90d"]);
    expectOnlyOwnLines(purge.output, 0);
    const line = purge.output.split("\n").find((l) => l.includes("@ias.co.id"));
    expect(line).toContain(`<eve${ESCAPED}@ias.co.id>`);
    expect(line).toContain("\\u202eredaeL");
  }, 60_000);
});
