/**
 * `npm run sync`: one full sync against the configured SSO and MongoDB (the

 * guide's `sync-from-scim` script). Exit 0 on success, 1 when the sync failed,
 * was aborted or interrupted (other than by a stop request), 2 for bad
 * configuration — before any network call —, 3 when it succeeded but could not
 * prove the SSO's listing complete (creates and updates applied, nobody
 * deactivated by absence), 4 for a person neither OFM nor the SSO knows
 * (`--user`, `--inspect`), and 5 when it completed with errors (`partial`:
 * some writes were refused — conflicts, invalid records; the rest applied).
 * 5 wins over 3. SIGTERM, SIGINT or its npm launcher going away stops it: the
 * run is recorded `interrupted`, the lease released, exit 143 / 130 / 129
 * (cli/command-stop.ts). Progress goes to stderr (cli/cli-progress.ts), so
 * `--json` leaves stdout to the JSON.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";
import { unknownVariableWarnings } from "../../shared/env-typos.ts";
import { createLogger } from "../../shared/logger.ts";
import { printable } from "../../shared/printable.ts";
import { createRuntime, type Runtime } from "../compose.ts";
import { type Config, loadConfig } from "../config.ts";
import { LeaseLostError } from "../lease.ts";
import { type CliProgress, cliProgress } from "./cli-progress.ts";
import { type CommandStop, commandStop } from "./command-stop.ts";
import { parseSyncArgs, type SyncArgs, USAGE } from "./args.ts";
import { exitCodeOf, header, heldSummary, summary } from "./summary.ts";
import { findMany, inspectOne, syncOne, syncOrgUnitOne } from "./person.ts";
import { decideHeld, listHeld } from "./held.ts";
import { heldItemJson } from "../http/held-answers.ts";
import { timeFormat } from "../time-format.ts";

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
    const config = loadConfig(process.env);
    for (const w of unknownVariableWarnings(process.env)) console.error(`⚠️ ${w}`);
    return { args, config };
  } catch (e) {
    console.error(printable(`❌ ${e instanceof Error ? e.message : String(e)}`));
    return 2;
  }
}

async function main(): Promise<number> {
  const input = readInput();
  if (typeof input === "number") return input;
  const { args, config } = input;
  const progress = cliProgress();
  const out: Out = progress.say(args.json ? (s) => console.error(s) : (s) => console.log(s));
  const logger = createLogger({
    level: config.logLevel,
    format: "pretty",
    write: (line) => out(line),
  });
  const stop = commandStop(out, config.shutdownGraceMs + 15_000);
  out(header(new Date()));
  let runtime: Runtime;
  try {
    // The same wiring as the daemon; its lease is owned by cli-<runnerId>.
    runtime = await createRuntime(config, logger, {
      role: "cli",
      onRateLimitWait: (ms) => progress.rateWait(ms),
    });
  } catch (e) {
    out(printable(`❌ ${e instanceof Error ? e.message : String(e)}`));
    if (args.json) console.log(JSON.stringify({ status: "failed", error: describe(e) }));
    return 1;
  }
  try {
    if (stop.reason) return stop.exitCode(1, true);
    if (args.find) return await findMany(runtime, args.find, args.json, out);
    if (args.inspect) return await inspectOne(runtime, args.inspect, args.json, out);
    if (args.user) return await syncOne(runtime, args.user, args, out);
    if (args.group) return await syncOrgUnitOne(runtime, args.group, args, out);
    if (args.listHeld) return await listHeld(runtime, args, out);
    if (args.applyHeld || args.rejectHeld) return await decideHeld(runtime, args, out);
    if (args.dryRun && args.json) return await previewOnce(runtime, out);
    if (args.retryNow) {
      await runtime.scheduleNotes.requestQuarantineRetry(new Date());
      out("🔁 Retry now: the quarantine is over (for every runner); running a full sync");
    }
    return await syncOnce(runtime, args, out, { stop, progress });
  } finally {
    // A cron job's run is told like the daemon's: give the messages a moment to leave.
    await runtime.notifications.settle(10_000);
    await runtime.close();
    stop.dispose();
  }
}

/**
 * `--dry-run --json`: the preview plan on stdout, the very object the page and
 * `POST /api/v1/scim/sync/preview` show (preview/sync-preview.ts).
 */
async function previewOnce(runtime: Runtime, out: Out): Promise<number> {
  const preview = await runtime.preview();
  const { users: u, orgUnits: g } = preview;
  out(printable(
    `🧪 Preview (nothing written): users ${u.create.count} to create, ${u.update.count} to update, ` +
      `${u.deactivate.count} to deactivate; org units ${g.create.count}/${g.update.count}/${g.deactivate.count}` +
      (preview.error ? ` — ${preview.error.message}` : ""),
  ));
  console.log(JSON.stringify(preview));
  if (preview.status !== "success") return 1;
  return preview.complete === false ? 3 : 0;
}

/**
 * One full sync under the daemon's lease (a manual run never overlaps a scheduled one);
 * a stop request interrupts it.
 */
async function syncOnce(
  runtime: Runtime,
  args: SyncArgs,
  out: Out,
  { stop, progress }: { stop: CommandStop; progress: CliProgress },
): Promise<number> {
  const { lease } = runtime;
  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, stop.signal]);
  if (!args.dryRun && !(await lease.acquire(() => controller.abort(new LeaseLostError())))) {
    out(
      "❌ Another sync is running (a runner holds the sync lease); try again when it has finished.",
    );
    return 1;
  }
  try {
    const result = await runtime.runSync({
      type: "full",
      signal,
      exclusive: !args.dryRun,
      filter: args.filter,
      dryRun: args.dryRun,
      force: args.force,
      onProgress: progress.sync,
    });
    progress.finish();
    out(summary(result.history, result.plan));
    const held = await runtime.held.page(1, 20).catch(() => ({ total: 0, items: [] }));
    const heldText = heldSummary(
      held.items,
      held.total,
      timeFormat(runtime.config.pageTimeZone).format,
    );
    if (heldText) out(heldText);
    if (args.json) {
      console.log(JSON.stringify({
        _id: result.historyId,
        ...result.history,
        ...(result.plan ? { plan: result.plan } : {}),
        heldDeactivations: { total: held.total, first: held.items.map(heldItemJson) },
      }));
    }
    return stop.exitCode(exitCodeOf(result.history), result.history.status === "interrupted");
  } finally {
    progress.finish();
    await lease.release();
  }
}

function describe(e: unknown) {
  return e instanceof ScimSyncError
    ? { code: e.code, message: e.message }
    : { code: "INTERNAL", message: String(e) };
}

process.exitCode = await main();
