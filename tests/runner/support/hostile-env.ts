/**
 * Test support: the hostile SCIM server and its "elsewhere" recorder on free
 * ports, a fresh database on the MongoDB-wire server of `npm test`, runtimes
 * wired to them, and the real `npm run sync` process with its peak memory.
 *
 * @module
 */
import { resolve } from "node:path";
import { MongoClient } from "mongodb";
import { silentLogger } from "../../../shared/logger.ts";
import { loadConfig } from "../../../runner/config.ts";
import { createRuntime, type Runtime } from "../../../runner/compose.ts";
import type { HostileMode, HostileScimOptions } from "../../../dev/hostile-scim/app.ts";
import {
  type Recorder,
  type RunningHostileScim,
  startHostileScim,
  startRecorder,
} from "../../../dev/hostile-scim/server.ts";
import { pumpLines } from "./runner-process.ts";
import { MONGODB_URI } from "./sync-env.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
/** The secret the runner is configured with: it must never reach the recorder. */
export const HOSTILE_SECRET = "hostile-test-secret-0123456789";
let counter = 0;

/** A hostile world for one test. */
export interface HostileEnv {
  server: RunningHostileScim;
  recorder: Recorder;
  env: Record<string, string>;
  mongo: MongoClient;
  dbName: string;
  /** A fresh runtime (fresh token cache) with extra variables. */
  runtime(extra?: Record<string, string>): Promise<Runtime>;
  /** An honest full sync, then the server switches to `mode`. */
  seed(mode: HostileMode): Promise<void>;
  /** Active users among those the honest seed created (ids `u-…`). */
  activeUsers(): Promise<number>;
  /** GET /Users requests the server received since the last mode switch. */
  userRequests(): number;
  close(): Promise<void>;
}

/**
 * Starts a hostile world. The guard is opened (SYNC_MAX_DEACTIVATE=100%) so
 * that only the listing proof stands between the server and a deactivation.
 *
 * @example
 * ```ts
 * const h = await hostileEnv("early");
 * await h.seed("empty-early");
 * const { history } = await (await h.runtime()).runSync({ type: "full" });
 * ```
 */
export async function hostileEnv(
  name: string,
  options: HostileScimOptions = {},
): Promise<HostileEnv> {
  const recorder = await startRecorder();
  const server = await startHostileScim({ ...options, elsewhere: recorder.url });
  const dbName = `t_hostile_${name}_${process.pid}_${++counter}`;
  const env = {
    SSO_BASE_URL: server.url,
    SCIM_CLIENT_ID: "hostile-client",
    SCIM_CLIENT_SECRET: HOSTILE_SECRET,
    MONGODB_URI,
    MONGODB_DB: dbName,
    SCIM_MAX_RETRIES: "1",
    SCIM_TIMEOUT_MS: "5000",
    SYNC_MAX_DEACTIVATE: "100%",
    // The client's pacing lifted: the tests count what the listing proof lets through.
    SCIM_RATE_LIMIT: "100000",
  };
  const mongo = await new MongoClient(MONGODB_URI).connect();
  const runtimes: Runtime[] = [];
  const runtime = async (extra: Record<string, string> = {}) => {
    const r = await createRuntime(loadConfig({ ...env, ...extra }), silentLogger);
    runtimes.push(r);
    return r;
  };
  return {
    server,
    recorder,
    env,
    mongo,
    dbName,
    runtime,
    async seed(mode) {
      server.hostile.setMode("honest");
      const { history } = await (await runtime()).runSync({ type: "full" });
      if (history.status !== "success" || history.complete !== true) {
        throw new Error(`the honest seed sync did not succeed: ${JSON.stringify(history)}`);
      }
      server.hostile.setMode(mode);
    },
    activeUsers: () =>
      mongo.db(dbName).collection("users").countDocuments({ ssoUserId: /^u-/, isActive: true }),
    userRequests: () => server.hostile.received.filter((r) => r.path === "/scim/v2/Users").length,
    async close() {
      for (const r of runtimes) await r.close().catch(() => {});
      await mongo.db(dbName).dropDatabase().catch(() => {});
      await mongo.close();
      await server.stop();
      await recorder.stop();
    },
  };
}

/** What a `npm run sync` process did. */
export interface CliRun {
  code: number;
  output: string;
  /** Peak resident memory (VmHWM), MB, as last read from /proc while it ran. */
  peakMB: number;
  /** Whether it was killed for passing `killAboveMB`. */
  killed: boolean;
}

/**
 * Runs `bun runner/cli/sync.ts` (what `npm run sync` runs) and watches its
 * resident memory, killing it past `killAboveMB` so a regression cannot take
 * the machine down.
 *
 * @example
 * ```ts
 * const run = await runCli(h.env, { killAboveMB: 1024 });
 * expect(run.peakMB).toBeLessThan(300);
 * ```
 */
export async function runCli(
  env: Record<string, string>,
  opts: { killAboveMB?: number; args?: string[] } = {},
): Promise<CliRun> {
  const proc = Bun.spawn([BUN, "runner/cli/sync.ts", ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: string[] = [];
  const pumps = [pumpLines(proc.stdout, lines), pumpLines(proc.stderr, lines)];
  let peakKB = 0;
  let killed = false;
  let running = true;
  const watcher = (async () => {
    while (running) {
      const status = await Bun.file(`/proc/${proc.pid}/status`).text().catch(() => "");
      const kb = Number(/VmHWM:\s*(\d+)/.exec(status)?.[1] ?? 0);
      peakKB = Math.max(peakKB, kb);
      if (opts.killAboveMB && kb / 1024 > opts.killAboveMB) {
        killed = true;
        proc.kill("SIGKILL");
      }
      await Bun.sleep(20);
    }
  })();
  const code = await proc.exited;
  running = false;
  await watcher;
  await Promise.all(pumps);
  return { code, output: lines.join("\n"), peakMB: Math.round(peakKB / 1024), killed };
}
