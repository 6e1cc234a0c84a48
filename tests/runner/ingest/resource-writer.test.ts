// The pure decision of one webhook event against the stored resource.
import { describe, expect, test } from "bun:test";
import type { OfmUser } from "../../../shared/ofm-documents.ts";
import { newUserDoc, userUpdateSet } from "../../../runner/documents/ofm-documents.ts";
import {
  decideWrite,
  type DecisionInput,
  type DocumentBuilder,
} from "../../../runner/ingest/resource-writer.ts";

const at = new Date("2025-10-18T12:00:00.000Z");
const v1 = new Date("2025-10-18T10:00:00.000Z");
const v2 = new Date("2025-10-18T11:00:00.000Z");
const user: OfmUser = {
  ssoUserId: "u-1",
  email: "john.doe@ias.co.id",
  firstName: "John",
  lastName: "Doe",
  isActive: true,
  phone: "+62 1",
  userId: null,
  departmentId: null,
  companyId: null,
  managerId: null,
  positionId: null,
  scimLastModified: v2.toISOString(),
};
const build: DocumentBuilder<OfmUser> = {
  insert: (doc, stamp) => ({ ...newUserDoc(doc, { ...stamp, superAdminEmails: [] }) }),
  update: (doc, stamp) => userUpdateSet(doc, { ...stamp, fields: ["email", "isActive", "phone"] }),
};
const stored = {
  id: "x",
  scimLastModified: v1,
  syncHash: "h1",
  isActive: true,
  deactivatedAt: null,
  subject: "old@ias.co.id",
};
const input = (o: Partial<DecisionInput<OfmUser>>): DecisionInput<OfmUser> => ({
  doc: user,
  hash: "h2",
  stored,
  incoming: v2,
  subject: user.email,
  at,
  build,
  ...o,
});

describe("decideWrite()", () => {
  test("decideWrite() answers stale and writes nothing when the event's version is older than the stored one", () => {
    expect(decideWrite(input({ incoming: new Date("2025-10-18T09:00:00.000Z") })))
      .toEqual({ write: "none", result: { status: "stale", subject: user.email } });
  });
  test("decideWrite() inserts a webhook document with the incoming version when nothing is stored", () => {
    const d = decideWrite(input({ stored: null }));
    expect(d.write).toBe("insert");
    expect(d.write === "insert" && d.doc).toMatchObject({
      ssoUserId: "u-1",
      scimLastModified: v2,
      syncHash: "h2",
      syncSource: "webhook",
      role: "employee",
    });
    expect(d.result).toEqual({ status: "success", change: "created", subject: user.email });
  });
  test("decideWrite() updates when the hash differs", () => {
    const d = decideWrite(input({}));
    expect(d).toMatchObject({ write: "update", deactivates: false, result: { change: "updated" } });
    expect(d.write === "update" && d.set).toMatchObject({
      phone: "+62 1",
      syncHash: "h2",
      scimLastModified: v2,
      deactivatedAt: null,
    });
  });
  test("decideWrite() only moves the version forward when the content is unchanged and the version newer", () => {
    expect(decideWrite(input({ hash: "h1" }))).toEqual({
      write: "update",
      set: { scimLastModified: v2, updatedAt: at, syncSource: "webhook" },
      deactivates: false,
      result: { status: "success", change: "unchanged", subject: user.email },
    });
    expect(decideWrite(input({ hash: "h1", incoming: v1 })).write).toBe("none");
  });
  test("decideWrite() soft-deletes an active resource on a delete and asks the guard first", () => {
    const d = decideWrite(input({ doc: null, hash: "", incoming: v2, subject: "old@ias.co.id" }));
    expect(d).toMatchObject({
      write: "update",
      deactivates: true,
      set: { isActive: false, deactivatedAt: at, syncHash: "", scimLastModified: v2 },
      result: { change: "deactivated" },
    });
  });
  test("decideWrite() answers absent to a delete of an unknown resource", () => {
    expect(decideWrite(input({ doc: null, stored: null })).result).toEqual({
      status: "success",
      change: "absent",
      subject: user.email,
    });
  });
  test("decideWrite() treats an update to inactive as a deactivation the guard must allow", () => {
    const d = decideWrite(input({ doc: { ...user, isActive: false } }));
    expect(d).toMatchObject({
      write: "update",
      deactivates: true,
      set: { isActive: false, deactivatedAt: at },
    });
  });
  test("decideWrite() keeps deactivatedAt of a resource that stays inactive", () => {
    const since = new Date("2025-09-01T00:00:00.000Z");
    const d = decideWrite(
      input({
        doc: { ...user, isActive: false },
        stored: { ...stored, isActive: false, deactivatedAt: since },
      }),
    );
    expect(d).toMatchObject({
      write: "update",
      deactivates: false,
      set: { deactivatedAt: since },
      result: { change: "updated" },
    });
  });
});
