import { describe, expect, test } from "bun:test";
import { csvCell, previewCsv } from "../../../runner/preview/preview-csv.ts";
import { limitPreview, type SyncPreview } from "../../../runner/preview/sync-preview.ts";

const list = (n: number) => ({
  count: n,
  first: Array.from({ length: n }, (_, i) => ({
    id: `u${i}`,
    name: `P ${i}`,
    email: `p${i}@x.id`,
    changes: [{ field: "departmentId", old: "D-1", new: "D-2" }],
  })),
});
const empty = { count: 0, first: [] };
const plan: SyncPreview = {
  kind: "sync-preview",
  generatedAt: "2025-10-18T12:00:00.000Z",
  durationMs: 1,
  status: "success",
  wouldAbort: false,
  error: null,
  complete: true,
  incompleteReason: null,
  guard: null,
  users: { fetched: 80, unchanged: 0, create: empty, update: list(80), deactivate: empty },
  orgUnits: { fetched: 0, unchanged: 0, create: empty, update: empty, deactivate: empty },
  names: {},
  errors: { count: 0, first: [] },
};

describe("previewCsv()", () => {
  test("previewCsv() writes one row per changed field of every entry, not only the shown ones", () => {
    const rows = previewCsv(plan).trimEnd().split("\r\n");
    expect(rows[0]).toBe("type,action,id,name,email,field,old,new,reason");
    expect(rows).toHaveLength(81);
    expect(rows[1]).toBe("user,update,u0,P 0,p0@x.id,departmentId,D-1,D-2,");
  });
  test("csvCell() quotes commas and quotes, and defuses a cell a spreadsheet would run", () => {
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell(null)).toBe("");
  });
});

describe("limitPreview()", () => {
  test("limitPreview() keeps the first n entries of each list and the whole counts", () => {
    const cut = limitPreview(plan, 50);
    expect(cut.users.update.first).toHaveLength(50);
    expect(cut.users.update.count).toBe(80);
  });
});
