/**
 * Look-alike super admins (issue 9, item 8): `toLowerCase()` folded the
 * Kelvin sign U+212A to "k", so `\u212Aaren@ias.co.id` became super_admin
 * when SUPER_ADMIN_EMAILS named karen@ias.co.id. Now only A–Z are folded.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../../runner/config.ts";
import { defaultRole } from "../../../runner/documents/ofm-documents.ts";
import { foldAsciiCase, isSuperAdminEmail } from "../../../runner/super-admins.ts";
import { type IngestHarness, openIngestHarness, userEvent } from "../support/ingest-harness.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const KELVIN = "\u212A"; // K KELVIN SIGN: toLowerCase() gives "k"
const LONG_S = "\u017F"; // ſ LATIN SMALL LETTER LONG S: toUpperCase() gives "S", NFKC gives "s"
const FULLWIDTH_K = "\uFF2B"; // Ｋ: NFKC gives "K"
const DOTLESS_I = "\u0131"; // ı: toUpperCase() gives "I"
const DOTTED_CAPITAL_I = "\u0130"; // İ: toLowerCase() gives "i̇"

describe("foldAsciiCase()", () => {
  test("foldAsciiCase() lowers A–Z and leaves every non-ASCII character as it is", () => {
    expect(foldAsciiCase("Karen@IAS.co.id")).toBe("karen@ias.co.id");
    expect(foldAsciiCase(`${KELVIN}aren`)).toBe(`${KELVIN}aren`);
    expect(foldAsciiCase(`${FULLWIDTH_K}AREN`)).toBe(`${FULLWIDTH_K}aren`);
    expect(foldAsciiCase(`ADM${DOTTED_CAPITAL_I}N`)).toBe(`adm${DOTTED_CAPITAL_I}n`);
  });
});

describe("isSuperAdminEmail()", () => {
  const admins = ["karen@ias.co.id", "boss@ias.co.id", "admin@ias.co.id"];
  test("isSuperAdminEmail() matches the listed address whatever its ASCII case", () => {
    expect(isSuperAdminEmail("KAREN@IAS.CO.ID", admins)).toBe(true);
    expect(isSuperAdminEmail("Boss@ias.co.id", ["BOSS@ias.co.id"])).toBe(true);
  });
  const lookAlikes: Array<[string, string]> = [
    ["Kelvin sign U+212A", `${KELVIN}aren@ias.co.id`],
    ["long s U+017F", `bo${LONG_S}s@ias.co.id`],
    ["fullwidth K U+FF2B", `${FULLWIDTH_K}aren@ias.co.id`],
    ["fullwidth @ U+FF20", "karen\uFF20ias.co.id"],
    ["Turkish dotless i U+0131", `adm${DOTLESS_I}n@ias.co.id`],
    ["Turkish dotted capital I U+0130", `ADM${DOTTED_CAPITAL_I}N@ias.co.id`],
  ];
  for (const [name, email] of lookAlikes) {
    test(`isSuperAdminEmail() is false when the email carries a ${name}`, () => {
      expect(isSuperAdminEmail(email, admins)).toBe(false);
      expect(defaultRole(email, admins)).toBe("employee");
    });
  }
  test("isSuperAdminEmail() compares a non-ASCII listed address exactly", () => {
    expect(isSuperAdminEmail(`${KELVIN}aren@ias.co.id`, [`${KELVIN}aren@ias.co.id`])).toBe(true);
    expect(isSuperAdminEmail("karen@ias.co.id", [`${KELVIN}aren@ias.co.id`])).toBe(false);
  });
});

describe("loadConfig() SUPER_ADMIN_EMAILS", () => {
  test("loadConfig() folds only ASCII case in SUPER_ADMIN_EMAILS", () => {
    const c = loadConfig({
      SCIM_BEARER_TOKEN: "t",
      SUPER_ADMIN_EMAILS: `Karen@IAS.co.id, ${KELVIN}ELVIN@ias.co.id`,
    });
    expect(c.superAdminEmails).toEqual(["karen@ias.co.id", `${KELVIN}elvin@ias.co.id`]);
  });
});

describe("a Kelvin-sign look-alike end to end", () => {
  let env: SyncEnv;
  let h: IngestHarness;
  beforeAll(async () => {
    env = await syncEnv("kelvin", { users: 3 });
    h = await openIngestHarness("kelvin_ingest", { superAdminEmails: ["karen@ias.co.id"] });
  });
  afterAll(async () => {
    await env.close();
    await h.t.drop();
  });

  test("runSync() gives employee to a directory user K(U+212A)aren@ias.co.id and super_admin to BOSS@ias.co.id", async () => {
    const dir = env.sso.sso.directory;
    const fake = dir.create("User", {
      userName: `${KELVIN}aren@ias.co.id`,
      active: true,
      name: { givenName: "K" },
    });
    // The dev SSO, like many, treats userName case-insensitively with toLowerCase (so Karen herself
    // cannot coexist with the look-alike); the listed admin who must still match is Boss.
    const real = dir.create("User", {
      userName: "BOSS@ias.co.id",
      active: true,
      name: { givenName: "Boss" },
    });
    const runtime = await env.runtime({ SUPER_ADMIN_EMAILS: "karen@ias.co.id,boss@ias.co.id" });
    const { history } = await runtime.runSync({ type: "full" });
    expect(history.status).toBe("success");
    const users = env.mongo.db(env.dbName).collection("users");
    expect((await users.findOne({ ssoUserId: fake.id }))?.role).toBe("employee");
    expect((await users.findOne({ ssoUserId: real.id }))?.role).toBe("super_admin");
  });

  test("the ingestion API creates K(U+212A)aren@ias.co.id from a webhook as employee", async () => {
    const res = await h.send(
      userEvent({
        id: "kelvin-1",
        event: "user.created",
        resourceId: "u-kelvin",
        email: `${KELVIN}aren@ias.co.id`,
      }),
    );
    expect(res.status).toBe(200);
    expect((await h.users().findOne({ ssoUserId: "u-kelvin" }))?.role).toBe("employee");
  });
});
