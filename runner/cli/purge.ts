/**
 * `npm run purge -- --inactive-for 90d [--apply]`: hard-deletes users
 * deactivated longer ago than that, once the SSO confirms each one gone
 * (purge/run-purge.ts). A dry run by default. With `--apply` it holds the sync
 * lease, so no sync runs meanwhile. Exit codes as `npm run sync`: 0 success,
 * 1 failed or refused, 2 bad flags or configuration, 3 some users unconfirmed;
 * stopped by SIGTERM / SIGINT / its npm launcher going away: recorded
 * `interrupted`, the lease released, 143 / 130 / 129. Progress on stderr.
 *
 * @module
 */
import { unknownVariableWarnings } from "../../shared/env-typos.ts";
import { createLogger } from "../../shared/logger.ts";
import { printable } from "../../shared/printable.ts";
import { createRuntime, type Runtime } from "../compose.ts";
import { type Config, loadConfig } from "../config.ts";
import { LeaseLostError } from "../lease.ts";
import type { PurgeReport } from "../purge/run-purge.ts";
import { parsePurgeArgs, PURGE_USAGE, type PurgeArgs, purgeSummary } from "./purge-args.ts";
import { type CliProgress, cliProgress } from "./cli-progress.ts";
import { type CommandStop, commandStop } from "./command-stop.ts";

function readInput(): { args: PurgeArgs; config: Config } | number {
  try {
    const args = parsePurgeArgs(process.argv.slice(2));
    if (args.help) {
      console.log(PURGE_USAGE);
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

/** The exit code of a report. */
function exitCode(r: PurgeReport): number {
  if (r.status !== "success") return 1;
  return r.stats.unconfirmed > 0 ? 3 : 0;
}

async function purgeOnce(
  runtime: Runtime,
  args: PurgeArgs,
  out: (s: string) => void,
  { stop, progress }: { stop: CommandStop; progress: CliProgress },
) {
  const lost = new AbortController();
  if (args.apply && !(await runtime.lease.acquire(() => lost.abort(new LeaseLostError())))) {
    out("❌ A sync is running (a runner holds the sync lease); try again when it has finished.");
    return 1;
  }
  try {
    const report = await runtime.purge({
      inactiveForMs: args.inactiveForMs,
      apply: args.apply,
      force: args.force,
      signal: AbortSignal.any([lost.signal, stop.signal]),
      onProgress: progress.purge,
    });
    progress.finish();
    out(purgeSummary(report));
    if (args.json) console.log(JSON.stringify(report));
    return stop.exitCode(exitCode(report), report.status === "interrupted");
  } finally {
    progress.finish();
    if (args.apply) await runtime.lease.release();
  }
}

async function main(): Promise<number> {
  const input = readInput();
  if (typeof input === "number") return input;
  const { args, config } = input;
  // With --json, stdout carries the JSON alone; progress goes to stderr.
  const progress = cliProgress();
  const out = progress.say(
    args.json ? (s: string) => console.error(s) : (s: string) => console.log(s),
  );
  const logger = createLogger({ level: config.logLevel, format: "pretty", write: out });
  const stop = commandStop(out, config.shutdownGraceMs + 15_000);
  let runtime: Runtime;
  try {
    runtime = await createRuntime(config, logger, {
      role: "cli",
      onRateLimitWait: (ms) => progress.rateWait(ms),
    });
  } catch (e) {
    out(printable(`❌ ${e instanceof Error ? e.message : String(e)}`));
    return stop.exitCode(1, true);
  }
  try {
    if (stop.reason) return stop.exitCode(1, true);
    return await purgeOnce(runtime, args, out, { stop, progress });
  } catch (e) {
    out(printable(`❌ Purge failed: ${e instanceof Error ? e.message : String(e)}`));
    return 1;
  } finally {
    await runtime.close();
    stop.dispose();
  }
}

process.exitCode = await main();
