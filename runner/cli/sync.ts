/**
 * `npm run sync`: one full sync against the configured SSO and MongoDB (the
 * guide's `sync-from-scim` script). Exit 0 on success, 1 when the sync failed
 * or was aborted, 2 for bad configuration — before any network call — and 3
 * when it succeeded but could not prove the SSO's listing complete (creates
 * and updates applied, nobody deactivated by absence).
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";
import { createLogger } from "../../shared/logger.ts";
import { loadConfig } from "../config.ts";
import { createLease } from "../lease.ts";
import { createRuntime } from "../runtime.ts";
import { createLeaseStore } from "../store/lease-store.ts";
import { systemTimer } from "../system-time.ts";
import { parseSyncArgs, USAGE } from "./args.ts";
import { header, heldSummary, summary } from "./summary.ts";
import { createEventStore } from "../store/event-store.ts";
import { windowDecision } from "../sync/guard.ts";

async function main(): Promise<number> {
  let args;
  let config;
  try {
    args = parseSyncArgs(process.argv.slice(2));
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    config = loadConfig(process.env);
  } catch (e) {
    console.error(`❌ ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  // With --json, stdout carries the JSON alone; everything else goes to stderr.
  const out = args.json ? (s: string) => console.error(s) : (s: string) => console.log(s);
  const logger = createLogger({ level: config.logLevel, format: "pretty", write: (line) => out(line) });
  const tty = process.stderr.isTTY === true && !args.json;
  out(header(new Date()));

  let runtime;
  try {
    runtime = await createRuntime(config, logger);
  } catch (e) {
    out(`❌ ${e instanceof Error ? e.message : String(e)}`);
    if (args.json) console.log(JSON.stringify({ status: "failed", error: describe(e) }));
    return 1;
  }
  const events = createEventStore(runtime.mongo.db, {
    excludeFields: config.excludeFields,
    superAdminEmails: config.superAdminEmails,
    ttlDays: config.historyTtlDays,
    guard: { windowMs: config.guardWindowMs, allows: windowDecision(config.maxDeactivate) },
  });
  if (args.applyHeld) {
    try {
      const results = await events.applyHeld();
      for (const r of results) out(`  ${r.resourceType} ${r.resourceId}: ${r.result.change ?? r.result.status}`);
      const deactivated = results.filter((r) => r.result.change === "deactivated").length;
      out(`✅ Applied ${results.length} held webhook event(s): ${deactivated} deactivated`);
      if (args.json) console.log(JSON.stringify({ applied: results.length, deactivated, results }));
      return results.some((r) => r.result.status === "failed") ? 1 : 0;
    } finally {
      await runtime.close();
    }
  }
  // The same lease as the daemon's replicas: a manual run never overlaps a scheduled one.
  const lease = createLease({
    store: createLeaseStore(runtime.mongo.db),
    owner: `cli-${runtime.runnerId}`,
    ttlMs: config.leaseTtlMs,
    timer: systemTimer,
    logger,
  });
  const controller = new AbortController();
  if (!args.dryRun && !(await lease.acquire(() => controller.abort(new Error("lease lost"))))) {
    out("❌ Another sync is running (a runner holds the sync lease); try again when it has finished.");
    await runtime.close();
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
      onProgress: tty
        ? (p) => {
          if (p.phase === "orgUnits" || p.phase === "users") {
            process.stderr.write(`\r  ${p.phase === "users" ? "Users" : "Org units"}: page ${p.pageNo}, ${p.fetched}/${p.total ?? "?"}   `);
          } else if (p.phase === "writing" || p.phase === "done") process.stderr.write("\r\x1b[K");
        }
        : undefined,
    });
    out(summary(result.history, result.plan));
    const held = await events.held(1000).catch(() => []);
    const heldText = heldSummary(held.slice(0, 20), held.length);
    if (heldText) out(heldText);
    if (args.json) {
      console.log(JSON.stringify({
        _id: result.runId,
        ...result.history,
        ...(result.plan ? { plan: result.plan } : {}),
        heldDeactivations: held.map((h) => ({ eventId: h.eventId, resourceType: h.resourceType, resourceId: h.resourceId })),
      }));
    }
    if (result.history.status !== "success") return 1;
    // Creates and updates landed, but leavers may still be active: cron and CI must see it.
    return result.history.complete === false ? 3 : 0;
  } finally {
    await lease.release();
    await runtime.close();
  }
}

function describe(e: unknown) {
  return e instanceof ScimSyncError ? { code: e.code, message: e.message } : { code: "INTERNAL", message: String(e) };
}

process.exitCode = await main();
