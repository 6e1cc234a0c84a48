/**
 * `npm run sync -- --inspect <email|id>`, `--user <email|id>` and
 * `--group <id|name>`: the person inspector and provision on demand (one
 * person, one org unit) on the command line, as text or (with `--json`) as
 * the JSON the HTTP routes answer.
 *
 * @module
 */
import { printable } from "../../shared/printable.ts";
import type { Runtime } from "../compose.ts";
import type { ChangeDoc } from "../store/collections.ts";
import type { PersonReport } from "../inspect/inspect-person.ts";
import { findingText } from "../inspect/verdict-words.ts";
import { timeFormat } from "../time-format.ts";

/** Prints a line (stdout, or stderr with --json). */
type Out = (line: string) => void;

const show = (v: unknown) => (v === null || v === undefined || v === "" ? "—" : String(v));
const utc = (d: Date) => d.toISOString();

/** A value with the name behind its id: `D-7 (Finance)`. */
const named = (v: unknown, names: Readonly<Record<string, string>>) =>
  typeof v === "string" && names[v] ? `${v} (${names[v]})` : show(v);

const STATE = { in_step: "IN STEP", out_of_step: "OUT OF STEP", unknown: "UNKNOWN" } as const;

/**
 * The report as text lines (pure): the state, the verdict worded for the
 * command line (commands, nothing to press), the next full sync, the fields
 * with names beside ids, the last changes and events, times in `time`.
 *
 * @example
 * ```ts
 * personText(report)[0]; // "👤 jane.doe@ias.co.id (ssoUserId u-1): IN STEP"
 * ```
 */
export function personText(r: PersonReport, time: (d: Date) => string = utc): string[] {
  const next = r.nextFullSyncAt ? time(new Date(r.nextFullSyncAt)) : null;
  const ctx = { key: r.ssoUserId ?? r.key, nextFullSync: next };
  const lines = [
    `👤 ${r.ofm?.email ?? r.key} (ssoUserId ${show(r.ssoUserId)}): ${STATE[r.state]}`,
    "",
    "Verdict:",
  ];
  for (const f of r.findings) lines.push(`  - [${f.cause}] ${findingText(f, "cli", ctx)}`);
  lines.push(next ? `Next full sync: ${next}` : "No full sync is scheduled.");
  lines.push("", "Field          OFM → SSO");
  for (const f of r.fields) {
    const mark = f.equal ? " " : f.excluded ? "x" : "≠";
    lines.push(
      `${mark} ${f.field.padEnd(13)} ${named(f.ofm, r.names)} → ${named(f.sso, r.names)}`,
    );
  }
  lines.push("", `Last changes (${r.changes.length}):`);
  for (const c of r.changes.slice(0, 10)) {
    const what = c.fields.map((f) =>
      `${f}: ${named(c.values[f]?.old, r.names)} → ${named(c.values[f]?.new, r.names)}`
    );
    const src = "historyId" in c.source ? c.source.historyId : c.source.eventId;
    lines.push(
      `  ${time(new Date(c.at))} ${c.action} ${what.join("; ")} (${c.source.kind} ${src})`,
    );
  }
  lines.push("", `Last webhook events (${r.events.length}):`);
  for (const e of r.events.slice(0, 10)) {
    lines.push(
      `  ${time(new Date(e.receivedAt))} ${e.event} ${e.status} ${show(e.change ?? e.error)}`,
    );
  }
  // Every value here came from the SSO or OFM's database: one line each (printable.ts).
  return lines.map(printable);
}

const yesNo = (v: boolean | null | undefined, what: string) =>
  v === undefined ? "not asked" : v === null ? `not in ${what}` : v ? "active" : "inactive";

/**
 * `--find`: the search by name as lines (name, email, department, active in the SSO and in
 * OFM, the id to pass to --inspect or --user); exit 0, or 4 when nobody matches.
 *
 * @example
 * ```ts
 * process.exitCode = await findMany(runtime, "jan", false, console.log);
 * ```
 */
export async function findMany(
  runtime: Runtime,
  query: string,
  json: boolean,
  out: Out,
): Promise<number> {
  const found = await runtime.findPeople(query);
  // Names, emails and the SSO's error come from outside: one line each (printable.ts).
  out(printable(`🔎 ${found.people.length}${found.more ? "+" : ""} people match "${query}"`));
  for (const p of found.people) {
    out(printable(
      `  ${p.name ?? "—"} <${p.email}> ${p.departmentName ?? p.departmentId ?? "—"}; SSO: ${
        yesNo(p.activeInSso, "the SSO")
      }, OFM: ${yesNo(p.activeInOfm, "OFM")}; --user ${p.ssoUserId}`,
    ));
  }
  if (found.more) out("  … more match: type more of the name");
  if (found.ssoError) {
    out(printable(`  (the SSO could not be asked who is active: ${found.ssoError})`));
  }
  if (json) console.log(JSON.stringify(found));
  return found.people.length === 0 ? 4 : 0;
}

/**
 * `--inspect`: prints the report; exit 0, or 4 when neither OFM nor the SSO knows the key.
 *
 * @example
 * ```ts
 * process.exitCode = await inspectOne(runtime, "jane.doe@ias.co.id", false, console.log);
 * ```
 */
export async function inspectOne(
  runtime: Runtime,
  key: string,
  json: boolean,
  out: Out,
): Promise<number> {
  const report = await runtime.inspect(key);
  for (const line of personText(report, timeFormat(runtime.config.pageTimeZone).format)) out(line);
  if (json) console.log(JSON.stringify(report));
  return report.ofm === null && report.live.kind === "absent" ? 4 : 0;
}

/**
 * `--user`: syncs one person now; exit 0 on success, 1 failed or held by the guard, 4 unknown key.
 *
 * @example
 * ```ts
 * process.exitCode = await syncOne(runtime, "jane.doe@ias.co.id", { json: false, force: false }, console.log);
 * ```
 */
export async function syncOne(
  runtime: Runtime,
  key: string,
  args: { json: boolean; force: boolean },
  out: Out,
): Promise<number> {
  const r = await runtime.syncPerson(key, { force: args.force });
  out(printable(`${r.outcome === "failed" || r.outcome === "aborted" ? "❌" : "✅"} ${r.message}`));
  const changes = r.ssoUserId && r.historyId
    ? (await runtime.changes.forResource("User", r.ssoUserId, 20))
      .filter((c) => "historyId" in c.source && c.source.historyId === r.historyId)
    : [];
  for (const line of fieldChangeLines(changes)) out(line);
  if (args.json) console.log(JSON.stringify({ ...r, changes: changes.map(changeJson) }));
  if (r.outcome === "not_found") return 4;
  return r.outcome === "failed" || r.outcome === "aborted" ? 1 : 0;
}

/**
 * The field changes one run made, a line per field (pure): what `--user` prints.
 *
 * @example
 * ```ts
 * fieldChangeLines([{ action: "updated", fields: ["departmentId"], values: { departmentId: { old: "D-1", new: "D-2" } } }]);
 * // ["  departmentId: D-1 → D-2"]
 * ```
 */
export function fieldChangeLines(
  changes: readonly Pick<ChangeDoc, "action" | "fields" | "values">[],
): string[] {
  const lines: string[] = [];
  for (const c of changes) {
    if (c.fields.length === 0) lines.push(`  ${c.action}`);
    for (const f of c.fields) {
      lines.push(`  ${f}: ${show(c.values[f]?.old)} → ${show(c.values[f]?.new)}`);
    }
  }
  // The values came from the SSO: one line each (printable.ts).
  return lines.map(printable);
}

const changeJson = (c: ChangeDoc) => ({ action: c.action, fields: c.fields, values: c.values });

/**
 * `--group`: syncs one org unit now; exit 0 on success, 1 failed or held by the guard, 4 unknown key.
 *
 * @example
 * ```ts
 * process.exitCode = await syncOrgUnitOne(runtime, "Finance", { json: false, force: false }, console.log);
 * ```
 */
export async function syncOrgUnitOne(
  runtime: Runtime,
  key: string,
  args: { json: boolean; force: boolean },
  out: Out,
): Promise<number> {
  const r = await runtime.syncOrgUnit(key, { force: args.force });
  out(printable(`${r.outcome === "failed" || r.outcome === "aborted" ? "❌" : "✅"} ${r.message}`));
  if (args.json) console.log(JSON.stringify(r));
  if (r.outcome === "not_found") return 4;
  return r.outcome === "failed" || r.outcome === "aborted" ? 1 : 0;
}
