/**
 * `npm run sync -- --inspect <email|id>`, `--user <email|id>` and
 * `--group <id|name>`: the person inspector and provision on demand (one
 * person, one org unit) on the command line, as text or (with `--json`) as
 * the JSON the HTTP routes answer.
 *
 * @module
 */
import type { Runtime } from "../compose.ts";
import type { PersonReport } from "../inspect/inspect-person.ts";

/** Prints a line (stdout, or stderr with --json). */
type Out = (line: string) => void;

const show = (v: unknown) => (v === null || v === undefined ? "—" : String(v));

/**
 * The report as text lines (pure).
 *
 * @example
 * ```ts
 * personText(report)[0]; // "👤 jane.doe@ias.co.id (ssoUserId u-1)"
 * ```
 */
export function personText(r: PersonReport): string[] {
  const lines = [`👤 ${r.ofm?.email ?? r.key} (ssoUserId ${show(r.ssoUserId)})`, "", "Verdict:"];
  for (const f of r.findings) lines.push(`  - [${f.cause}] ${f.text}`);
  lines.push("", "Field          OFM → SSO");
  for (const f of r.fields) {
    const mark = f.equal ? " " : f.excluded ? "x" : "≠";
    lines.push(`${mark} ${f.field.padEnd(13)} ${show(f.ofm)} → ${show(f.sso)}`);
  }
  lines.push("", `Last changes (${r.changes.length}):`);
  for (const c of r.changes.slice(0, 10)) {
    const what = c.fields.map((f) => `${f}: ${show(c.values[f]?.old)} → ${show(c.values[f]?.new)}`);
    const src = "historyId" in c.source ? c.source.historyId : c.source.eventId;
    lines.push(`  ${c.at.toISOString()} ${c.action} ${what.join("; ")} (${c.source.kind} ${src})`);
  }
  lines.push("", `Last webhook events (${r.events.length}):`);
  for (const e of r.events.slice(0, 10)) {
    lines.push(`  ${e.receivedAt.toISOString()} ${e.event} ${e.status} ${show(e.change)}`);
  }
  return lines;
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
  for (const line of personText(report)) out(line);
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
  out(`${r.outcome === "failed" || r.outcome === "aborted" ? "❌" : "✅"} ${r.message}`);
  if (args.json) console.log(JSON.stringify(r));
  if (r.outcome === "not_found") return 4;
  return r.outcome === "failed" || r.outcome === "aborted" ? 1 : 0;
}

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
  out(`${r.outcome === "failed" || r.outcome === "aborted" ? "❌" : "✅"} ${r.message}`);
  if (args.json) console.log(JSON.stringify(r));
  if (r.outcome === "not_found") return 4;
  return r.outcome === "failed" || r.outcome === "aborted" ? 1 : 0;
}
