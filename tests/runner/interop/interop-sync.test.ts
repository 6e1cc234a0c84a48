// The sync against SCIM servers we did not write (dev/interop/servers.ts), each its
// own process, seeded through its own SCIM API: 200 users with the enterprise
// extension (two pages of 100, so the last page is full and the runner asks past
// the end) and 3 groups. Full sync, no-op, delta after a PATCH, one DELETE → one
// deactivation. The tests of one server run in order on the same directory.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ENTERPRISE, replaceOp, seedDirectory } from "../../../dev/interop/seed.ts";
import { INTEROP_KINDS, interopAvailability } from "../../../dev/interop/servers.ts";
import { type InteropEnv, interopEnv } from "../support/interop-env.ts";

const USERS = 200;
const GROUPS = 3;

for (const kind of INTEROP_KINDS) {
  const available = interopAvailability(kind);
  if (!available.ok && process.env.CI) {
    throw new Error(`CI needs the interop server ${kind}: ${available.reason}`);
  }
  const note = available.ok ? "" : ` — SKIPPED: ${available.reason}`;
  if (!available.ok) console.warn(`interop ${kind} SKIPPED: ${available.reason}`);
  const label = available.ok ? `${kind} ${available.version}` : kind;

  describe.skipIf(!available.ok)(`interop with ${label}${note}`, () => {
    let w: InteropEnv;
    let userIds: string[] = [];
    const users = () => w.mongo.db(w.dbName).collection("users");
    /** Requests to `path` since `from` (an index into w.requests). */
    const sent = (from: number, path: string) =>
      w.requests.slice(from).filter((p) => p.endsWith(path)).length;

    beforeAll(async () => {
      w = await interopEnv(kind);
      ({ userIds } = await seedDirectory(w.api, { users: USERS, groups: GROUPS }));
    }, 120_000);
    afterAll(() => w?.close());

    test(`runSync() full creates all ${USERS} users with their enterprise fields and proves both listings, in 2 pages and one past the end`, async () => {
      const from = w.requests.length;
      const { history } = await (await w.runtime()).runSync({ type: "full" });
      expect(history).toMatchObject({ status: "success", complete: true });
      expect(history.stats).toMatchObject({ usersCreated: USERS, orgUnitsCreated: GROUPS });
      expect(history.stats.errors).toEqual([]);
      const second = (await w.api.request("GET", `/Users/${userIds[1]}`)).body;
      expect(await users().findOne({ ssoUserId: userIds[1] })).toMatchObject({
        email: second.userName,
        firstName: second.name.givenName,
        lastName: second.name.familyName,
        isActive: true,
        userId: second[ENTERPRISE].employeeNumber,
        departmentId: second[ENTERPRISE].department,
        companyId: "ias",
        managerId: userIds[0],
      });
      // ⌈200/100⌉ pages ending on a full one, then startIndex 201: whatever the server
      // answers there (an empty page, or its first page again) ends the listing.
      expect(sent(from, "/Users")).toBe(USERS / 100 + 1);
      expect(sent(from, "/Groups")).toBe(1);
    });

    test("runSync() full again writes nothing", async () => {
      const before = await users().find({}, { projection: { updatedAt: 1 } }).toArray();
      const { history } = await (await w.runtime()).runSync({ type: "full" });
      expect(history).toMatchObject({ status: "success", complete: true });
      expect(history.stats).toMatchObject({
        usersCreated: 0,
        usersUpdated: 0,
        usersDeactivated: 0,
        usersUnchanged: USERS,
        orgUnitsCreated: 0,
        orgUnitsUpdated: 0,
      });
      expect(await users().find({}, { projection: { updatedAt: 1 } }).toArray()).toEqual(before);
    });

    test("runSync() delta after a PATCH of one user brings and writes only that user", async () => {
      const rt = await w.runtime();
      expect(await rt.deltaSupported()).toBe(true);
      // Every seeded user was modified before the no-op above ended; the PATCH comes after.
      // `since` is the next whole second, reached before the PATCH: the Go server keeps
      // lastModified to the second and compares it with the filter's value as text, so a user
      // seeded in the same second as `since` ("…:12Z" > "…:12.345Z") would match too.
      const since = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);
      await Bun.sleep(since.getTime() - Date.now() + 5);
      const target = userIds[5]!;
      for (
        const op of [
          replaceOp("name.familyName", "Wijaya"),
          replaceOp(`${ENTERPRISE}:department`, "dept-moved"),
        ]
      ) {
        const res = await w.api.request("PATCH", `/Users/${target}`, op);
        expect([200, 204]).toContain(res.status);
      }
      const from = w.requests.length;
      const { history } = await rt.runSync({ type: "delta", since });
      expect(history).toMatchObject({ status: "success" });
      expect(history.stats).toMatchObject({
        usersFetched: 1,
        usersUpdated: 1,
        usersCreated: 0,
        usersDeactivated: 0,
      });
      expect(await users().findOne({ ssoUserId: target })).toMatchObject({
        lastName: "Wijaya",
        departmentId: "dept-moved",
      });
      expect(sent(from, "/Users")).toBe(1);
    });

    test("runSync() full after one DELETE deactivates exactly the deleted user", async () => {
      const gone = userIds[USERS - 1]!;
      expect((await w.api.request("DELETE", `/Users/${gone}`)).status).toBe(204);
      expect((await w.api.request("GET", `/Users/${gone}`)).status).toBe(404);
      const from = w.requests.length;
      const { history } = await (await w.runtime()).runSync({ type: "full" });
      expect(history).toMatchObject({ status: "success", complete: true });
      expect(history.stats.usersDeactivated).toBe(1);
      expect(await users().findOne({ ssoUserId: gone })).toMatchObject({ isActive: false });
      expect(await users().countDocuments({ isActive: true })).toBe(USERS - 1);
      // 100 + 99: the short last page completes the announced range, nothing is asked past it.
      expect(sent(from, "/Users")).toBe(2);
    });
  });
}
