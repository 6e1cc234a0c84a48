/**
 * `npm run sync`: one full sync against the configured SSO and MongoDB (the
 * guide's `sync-from-scim` script). Exit 0 on success, 1 when the sync failed,
 * was aborted or interrupted, 2 for bad configuration — before any network
 * call —, 3 when it succeeded but could not prove the SSO's listing complete
 * (creates and updates applied, nobody deactivated by absence), 4 for a person
 * neither OFM nor the SSO knows (`--user`, `--inspect`), and 5 when it
 * completed with errors (`partial`: some writes were refused — conflicts,
 * invalid records; the rest applied). 5 wins over 3.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";
import { createLogger } from "../../shared/logger.ts";
import { createRuntime, type Runtime } from "../compose.ts";
import { type Config, loadConfig } from "../config.ts";
import type { SyncProgress } from "../sync/sync-engine.ts";
import { parseSyncArgs, type SyncArgs, USAGE } from "./args.ts";
import { exitCodeOf, header, heldSummary, summary } from "./summary.ts";
import { findMany, inspectOne, syncOne, syncOrgUnitOne } from "./person.ts";

/** Prints a line: on stdout, or on stderr with --json (stdout then carries the JSON alone). */
type Out = (line: string) => void;

/** The flags and the configuration, or the exit code (0 for --help, 2 for a bad one). */
function readInput(): { args: SyncArgs; config: Config } | number {
  try {
    const args = parseSyncArgs(process.argv.slice(2));
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    return { args, config: loadConfig(process.env) };
  } catch (e) {
    console.error(`❌ ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

async function main(): Promise<number> {
  const input = readInput();
  if (typeof input === "number") return input;
  const { args, config } = input;
  const out: Out = args.json ? (s) => console.error(s) : (s) => console.log(s);
  const logger = createLogger({
    level: config.logLevel,
    format: "pretty",
    write: (line) => out(line),
  });
  out(header(new Date()));
  let runtime: Runtime;
  try {
    // The same wiring as the daemon; its lease is owned by cli-<runnerId>.
    runtime = await createRuntime(config, logger, { role: "cli" });
  } catch (e) {
    out(`❌ ${e instanceof Error ? e.message : String(e)}`);
    if (args.json) console.log(JSON.stringify({ status: "failed", error: describe(e) }));
    return 1;
  }
  try {
    if (args.find) return await findMany(runtime, args.find, args.json, out);
    if (args.inspect) return await inspectOne(runtime, args.inspect, args.json, out);
    if (args.user) return await syncOne(runtime, args.user, args, out);
    if (args.group) return await syncOrgUnitOne(runtime, args.group, args, out);
    if (args.applyHeld) return await applyHeld(runtime, args, out);
    if (args.dryRun && args.json) return await previewOnce(runtime, out);
    return await syncOnce(runtime, args, out);
  } finally {
    await runtime.close();
  }
}

/** `--apply-held`: applies the webhook deactivations the guard held, then exits. */
async function applyHeld(runtime: Runtime, args: SyncArgs, out: Out): Promise<number> {
  const results = await runtime.events.applyHeld();
  for (const r of results) {
    out(`  ${r.resourceType} ${r.resourceId}: ${r.result.change ?? r.result.status}`);
  }
  const deactivated = results.filter((r) => r.result.change === "deactivated").length;
  out(`✅ Applied ${results.length} held webhook event(s): ${deactivated} deactivated`);
  if (args.json) console.log(JSON.stringify({ applied: results.length, deactivated, results }));
  return results.some((r) => r.result.status === "failed") ? 1 : 0;
}

/**
 * `--dry-run --json`: the preview plan on stdout, the very object the page and
 * `POST /api/v1/scim/sync/preview` show (preview/sync-preview.ts).
 */
async function previewOnce(runtime: Runtime, out: Out): Promise<number> {
  const preview = await runtime.preview();
  const { users: u, orgUnits: g } = preview;
  out(
    `🧪 Preview (nothing written): users ${u.create.count} to create, ${u.update.count} to update, ` +
      `${u.deactivate.count} to deactivate; org units ${g.create.count}/${g.update.count}/${g.deactivate.count}` +
      (preview.error ? ` — ${preview.error.message}` : ""),
  );
  console.log(JSON.stringify(preview));
  if (preview.status !== "success") return 1;
  return preview.complete === false ? 3 : 0;
}

/** One full sync under the daemon's lease (a manual run never overlaps a scheduled one). */
async function syncOnce(runtime: Runtime, args: SyncArgs, out: Out): Promise<number> {
  const { lease } = runtime;
  const controller = new AbortController();
  if (!args.dryRun && !(await lease.acquire(() => controller.abort(new Error("lease lost"))))) {
    out(
      "❌ Another sync is running (a runner holds the sync lease); try again when it has finished.",
    );
    return 1;
  }
  try {
    const result = await runtime.runSync({
      type: "full",
      signal: controller.signal,
      exclusive: !args.dryRun,
      filter: args.filter,
      dryRun: args.dryRun,
      force: args.force,
      onProgress: process.stderr.isTTY === true && !args.json ? showProgress : undefined,
    });
    out(summary(result.history, result.plan));
    const held = await runtime.events.held(1000).catch(() => []);
    const heldText = heldSummary(held.slice(0, 20), held.length);
    if (heldText) out(heldText);
    if (args.json) {
      console.log(JSON.stringify({
        _id: result.historyId,
        ...result.history,
        ...(result.plan ? { plan: result.plan } : {}),
        heldDeactivations: held.map((h) => ({
          eventId: h.eventId,
          resourceType: h.resourceType,
          resourceId: h.resourceId,
        })),
      }));
    }
    return exitCodeOf(result.history);
  } finally {
    await lease.release();
  }
}

/** One rewritten progress line on a terminal. */
function showProgress(p: SyncProgress): void {
  if (p.phase === "orgUnits" || p.phase === "users") {
    process.stderr.write(
      `\r  ${p.phase === "users" ? "Users" : "Org units"}: page ${p.pageNo}, ${p.fetched}/${
        p.total ?? "?"
      }   `,
    );
  } else if (p.phase === "writing" || p.phase === "done") process.stderr.write("\r\x1b[K");
}

function describe(e: unknown) {
  return e instanceof ScimSyncError
    ? { code: e.code, message: e.message }
    : { code: "INTERNAL", message: String(e) };
}

process.exitCode = await main();
