// Day one through webhooks, on the real event applier, the development SSO (asked live who is
// still in the directory) and the MongoDB-wire server with OFM's own accounts and unique
// indexes: a first event links the account OFM has, a rehire relinks in either order, a swap
// converges in either order, and a conflict with a present person is final (200, never 503).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mapWebhookEvent } from "../../../shared/event-mapping.ts";
import { WebhookEnvelope } from "../../../shared/webhook-event.ts";
import type { ForwardedEvent } from "../../../shared/webhook-event.ts";
import type { Runtime } from "../../../runner/compose.ts";
import { seedOfm } from "../support/ofm-fixture.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

type Person = Record<string, any>;
const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
let t: SyncEnv;
let rt: Runtime;
let n = 0;

const users = () => t.mongo.db(t.dbName).collection("users");
const dir = () => t.sso.sso.directory;
const people = () => dir().list("User").filter((u) => u.active !== false) as Person[];

/** The event a real SSO sends for the resource as the directory holds it now. */
function eventOf(event: string, r: Person): ForwardedEvent {
  const env = WebhookEnvelope.parse({
    id: `evt-${++n}`,
    event,
    resourceType: "User",
    resourceId: r.id,
    timestamp: new Date().toISOString(),
    ...(event === "user.deleted" ? {} : { data: r }),
  });
  const mapped = mapWebhookEvent(env, env.id ?? "x", new Date());
  if (!mapped.ok) throw new Error(JSON.stringify(mapped));
  return mapped.event;
}

/** Renames through a free name, as an SSO keeps userName unique. */
function rename(to: [Person, string][]) {
  for (const [p] of to) dir().update("User", p.id, (c) => ({ ...c, userName: `tmp-${p.id}@x` }));
  for (const [p, name] of to) dir().update("User", p.id, (c) => ({ ...c, userName: name }));
}

beforeAll(async () => {
  t = await syncEnv("webhook_identity", { users: 40, maxResults: 20 });
  // OFM already has the first ten people, without ssoUserId, under its own unique indexes.
  await seedOfm(t.mongo.db(t.dbName), dir(), 10);
  rt = await t.runtime({ SYNC_MAX_DEACTIVATE: "100%" });
  // The directory's first ten become known through webhooks; the rest by a sync of those only.
  for (const p of people().slice(10)) await rt.events.apply(eventOf("user.created", p));
}, 60_000);
afterAll(() => t.close());

describe("webhooks on a real OFM", () => {
  test("apply() links a user.created to the account OFM already has, keeping its _id and role", async () => {
    const p = people()[0]!;
    const before = await users().findOne({ userId: p[ENT].employeeNumber });
    const r = await rt.events.apply(eventOf("user.created", p));
    expect(r).toMatchObject({ status: "success", change: "linked" });
    const after = await users().findOne({ ssoUserId: p.id });
    expect(after?._id).toEqual(before?._id);
    expect(after).toMatchObject({
      role: before?.role,
      ofmNote: before?.ofmNote,
      email: p.userName,
    });
    expect(await users().countDocuments({ email: p.userName })).toBe(1);
  });

  test("apply() relinks a rehire when user.deleted comes before user.created", async () => {
    const p = people()[12]!;
    const account = await users().findOne({ ssoUserId: p.id });
    dir().remove("User", p.id);
    expect(await rt.events.apply(eventOf("user.deleted", p))).toMatchObject({
      status: "success",
      change: "deactivated",
    });
    const { id: _i, meta: _m, ...rest } = p;
    const back = dir().create("User", { ...rest, active: true });
    const r = await rt.events.apply(eventOf("user.created", back));
    expect(r).toMatchObject({ status: "success", change: "relinked" });
    expect(await users().findOne({ ssoUserId: back.id })).toMatchObject({
      _id: account?._id,
      isActive: true,
    });
  });

  test("apply() relinks a rehire when user.created comes before user.deleted", async () => {
    const p = people()[13]!;
    const account = await users().findOne({ ssoUserId: p.id });
    dir().remove("User", p.id);
    const { id: _i, meta: _m, ...rest } = p;
    const back = dir().create("User", { ...rest, active: true });
    expect(await rt.events.apply(eventOf("user.created", back))).toMatchObject({
      status: "success",
      change: "relinked",
    });
    // The late delete finds nobody with the old id: nothing to deactivate.
    expect(await rt.events.apply(eventOf("user.deleted", p))).toMatchObject({
      status: "success",
      change: "absent",
    });
    expect(await users().findOne({ ssoUserId: back.id })).toMatchObject({
      _id: account?._id,
      isActive: true,
    });
  });

  for (const order of ["a-first", "b-first"] as const) {
    test(`apply() converges an email swap whatever the order of the two events (${order})`, async () => {
      const [a, b] = order === "a-first"
        ? [people()[14]!, people()[15]!]
        : [people()[17]!, people()[16]!];
      const [ea, eb] = [a.userName, b.userName];
      rename([[a, eb], [b, ea]]);
      const first = await rt.events.apply(
        eventOf("user.updated", dir().get("User", a.id) as Person),
      );
      const second = await rt.events.apply(
        eventOf("user.updated", dir().get("User", b.id) as Person),
      );
      expect(first.status).toBe("success");
      expect(["success"]).toContain(second.status);
      expect((await users().findOne({ ssoUserId: a.id }))?.email).toBe(eb);
      expect((await users().findOne({ ssoUserId: b.id }))?.email).toBe(ea);
    });
  }

  test("apply() answers a conflict with a person still in the directory as final, and a redelivery as duplicate", async () => {
    const holder = people()[18]!;
    const { id: _i, meta: _m, ...template } = people()[19]!;
    const dup = dir().create("User", {
      ...template,
      userName: "webhook-newcomer@ias.co.id",
      [ENT]: { ...template[ENT], employeeNumber: holder[ENT].employeeNumber },
    });
    const before = await users().findOne({ ssoUserId: holder.id });
    const e = eventOf("user.created", dup);
    const r = await rt.events.apply(e);
    expect(r.status).toBe("conflict");
    expect(r.error).toContain(holder.id);
    expect(r.error).toContain(String(before?._id));
    expect(await users().findOne({ ssoUserId: holder.id })).toEqual(before!);
    expect(await users().countDocuments({ ssoUserId: dup.id })).toBe(0);
    const recorded = await t.mongo.db(t.dbName).collection("webhookEvents").findOne({
      eventId: e.eventId,
    });
    expect(recorded).toMatchObject({ status: "conflict" });
    expect((await rt.events.apply(e)).status).toBe("duplicate");
  });

  test("apply() relinks a returning person whose email an inactive account still holds (was a 503)", async () => {
    const p = people()[20]!;
    dir().remove("User", p.id);
    await rt.events.apply(eventOf("user.deleted", p));
    expect((await users().findOne({ ssoUserId: p.id }))?.isActive).toBe(false);
    const { id: _i, meta: _m, ...rest } = p;
    const back = dir().create("User", { ...rest, active: true });
    const r = await rt.events.apply(eventOf("user.created", back));
    expect(r.status).toBe("success");
    expect(await users().countDocuments({ email: p.userName })).toBe(1);
  });
});
