/**
 * `npm run purge -- --inactive-for 90d [--apply]`: hard-deletes users
 * deactivated longer ago than that, once the SSO confirms each one gone
 * (purge/run-purge.ts). A dry run by default. With `--apply` it holds the sync
 * lease, so no sync runs meanwhile. Exit codes as `npm run sync`: 0 success,
 * 1 failed or refused, 2 bad flags or configuration, 3 some users unconfirmed.
 *
 * @module
 */
import { createLogger } from "../../shared/logger.ts";
import { createRuntime, type Runtime } from "../compose.ts";
import { type Config, loadConfig } from "../config.ts";
import type { PurgeReport } from "../purge/run-purge.ts";
import { parsePurgeArgs, PURGE_USAGE, type PurgeArgs, purgeSummary } from "./purge-args.ts";

function readInput(): { args: PurgeArgs; config: Config } | number {
  try {
    const args = parsePurgeArgs(process.argv.slice(2));
    if (args.help) {
      console.log(PURGE_USAGE);
      return 0;
    }
    return { args, config: loadConfig(process.env) };
  } catch (e) {
    console.error(`❌ ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

/** The exit code of a report. */
function exitCode(r: PurgeReport): number {
  if (r.status !== "success") return 1;
  return r.stats.unconfirmed > 0 ? 3 : 0;
}

async function purgeOnce(runtime: Runtime, args: PurgeArgs, out: (s: string) => void) {
  if (args.apply && !(await runtime.lease.acquire(() => {}))) {
    out("❌ A sync is running (a runner holds the sync lease); try again when it has finished.");
    return 1;
  }
  try {
    const report = await runtime.purge({
      inactiveForMs: args.inactiveForMs,
      apply: args.apply,
      force: args.force,
    });
    out(purgeSummary(report));
    if (args.json) console.log(JSON.stringify(report));
    return exitCode(report);
  } finally {
    if (args.apply) await runtime.lease.release();
  }
}

async function main(): Promise<number> {
  const input = readInput();
  if (typeof input === "number") return input;
  const { args, config } = input;
  // With --json, stdout carries the JSON alone.
  const out = args.json ? (s: string) => console.error(s) : (s: string) => console.log(s);
  const logger = createLogger({ level: config.logLevel, format: "pretty", write: out });
  let runtime: Runtime;
  try {
    runtime = await createRuntime(config, logger, { role: "cli" });
  } catch (e) {
    out(`❌ ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  try {
    return await purgeOnce(runtime, args, out);
  } catch (e) {
    out(`❌ Purge failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await runtime.close();
  }
}

process.exitCode = await main();
