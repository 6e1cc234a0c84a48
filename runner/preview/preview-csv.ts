/**
 * The whole preview as CSV (RFC 4180), one row per field that would change
 * (an entry without field changes is one row with the field empty), a
 * deactivation's reason in the last column: what the
 * page's "CSV" download gives a spreadsheet. Cells a spreadsheet would run as
 * a formula (`=`, `+`, `-`, `@`, tab, CR first) are prefixed with `'`, since a
 * name or an email comes from the directory, not from us.
 *
 * @module
 */
import type { PreviewEntry, SyncPreview } from "./sync-preview.ts";

const HEADER = ["type", "action", "id", "name", "email", "field", "old", "new", "reason"];

/**
 * One cell, quoted when it must be, never a formula (pure).
 *
 * @example
 * ```ts
 * csvCell('a "b", c'); // '"a ""b"", c"'
 * csvCell("=1+1"); // "'=1+1"
 * ```
 */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? "" : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function rows(type: string, action: string, e: PreviewEntry): unknown[][] {
  const head = [type, action, e.id, e.name, e.email];
  const why = e.reason ?? "";
  if (!e.changes || e.changes.length === 0) return [[...head, "", "", "", why]];
  return e.changes.map((c) => [...head, c.field, c.old, c.new, why]);
}

/**
 * The plan as CSV text, CRLF line ends (pure).
 *
 * @example
 * ```ts
 * previewCsv(plan).split("\r\n")[0]; // "type,action,id,name,email,field,old,new,reason"
 * ```
 */
export function previewCsv(p: SyncPreview): string {
  const out: unknown[][] = [HEADER];
  for (const [type, k] of [["user", p.users], ["org unit", p.orgUnits]] as const) {
    for (const action of ["create", "update", "deactivate", "link", "match"] as const) {
      for (const e of k[action]?.first ?? []) out.push(...rows(type, action, e));
    }
  }
  return out.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
