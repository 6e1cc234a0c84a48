// Batches from the edge (`{ events: [...] }`) on the ingestion API against the
// real MongoDB-wire server: one outcome per event in order, each resource's
// events applied in batch order, a malformed batch refused whole.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type IngestHarness, openIngestHarness, userEvent } from "../support/ingest-harness.ts";

let h: IngestHarness;
beforeAll(async () => {
  h = await openIngestHarness("ingest_batch");
});
afterAll(async () => await h.t.drop());

const results = async (res: Response) =>
  ((await res.json()) as { results: { eventId: string; status: string }[] }).results;

describe("createIngestApp() batches", () => {
  test("createIngestApp() applies a batch in order and answers one outcome per event", async () => {
    const events = [
      userEvent({
        id: "b-1",
        event: "user.created",
        resourceId: "u-b1",
        phone: "+62 1",
        lastModified: "2025-10-18T10:00:00.000Z",
      }),
      userEvent({
        id: "b-2",
        resourceId: "u-b1",
        phone: "+62 2",
        lastModified: "2025-10-18T10:05:00.000Z",
      }),
      userEvent({ id: "b-3", event: "user.created", resourceId: "u-b2", email: "b2@ias.co.id" }),
      userEvent({
        id: "b-1",
        event: "user.created",
        resourceId: "u-b1",
        phone: "+62 1",
        lastModified: "2025-10-18T10:00:00.000Z",
      }),
      userEvent({
        id: "b-4",
        resourceId: "u-b1",
        phone: "+62 0",
        lastModified: "2025-10-18T09:00:00.000Z",
      }),
    ];
    const res = await h.send({ events });
    expect(res.status).toBe(200);
    expect(await results(res)).toEqual([
      { eventId: "b-1", status: "success" },
      { eventId: "b-2", status: "success" },
      { eventId: "b-3", status: "success" },
      { eventId: "b-1", status: "duplicate" },
      { eventId: "b-4", status: "stale" },
    ]);
    expect(await h.users().findOne({ ssoUserId: "u-b1" })).toMatchObject({ phone: "+62 2" });
    expect(await h.users().countDocuments({ ssoUserId: "u-b2" })).toBe(1);
    expect(await h.events().countDocuments({ eventId: { $in: ["b-1", "b-2", "b-3", "b-4"] } }))
      .toBe(4);
  });

  test("createIngestApp() refuses a batch with one malformed event whole, with its path, and stores nothing", async () => {
    const before = await h.snapshot();
    const good = userEvent({ id: "b-ok", resourceId: "u-bok", email: "bok@ias.co.id" });
    const res = await h.send({ events: [good, { ...good, eventId: "b-bad", action: "upsert" }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^Invalid batch: events\.1\.action/,
    );
    expect(await h.snapshot()).toEqual(before);
  });

  test("createIngestApp() refuses an empty batch and one over 100 events", async () => {
    const before = await h.snapshot();
    const e = userEvent({ id: "b-many", resourceId: "u-many" });
    for (
      const events of [
        [],
        Array.from({ length: 101 }, (_, i) => ({ ...e, eventId: `b-many-${i}` })),
      ]
    ) {
      const res = await h.send({ events });
      expect(res.status).toBe(400);
    }
    expect(await h.snapshot()).toEqual(before);
  });

  test("createIngestApp() answers 401 to a batch signed with another secret", async () => {
    const res = await h.send(
      { events: [userEvent({ id: "b-forged", resourceId: "u-forged" })] },
      "not-the-ingest-secret-x",
    );
    expect(res.status).toBe(401);
    expect(await h.events().countDocuments({ eventId: "b-forged" })).toBe(0);
  });
});
