/**
 * `npm run demo`: the main job on the embedded default. Starts the local
 * MongoDB-wire server and the development SSO with a generated organisation,
 * runs one full sync with the real command line, prints its summary, and stops
 * what it started.
 *
 * `npm run demo -- --serve` keeps the whole product up instead: the runner
 * daemon (sync page, ingestion, health, metrics) and the Deno edge, with the
 * SSO posting webhooks to the edge, until Ctrl-C.
 * `--users N` sizes the organisation (default 2000). With `--serve`, the
 * ports: `--sso-port`, `--runner-port`, `--edge-port` (or `DEMO_SSO_PORT`,
 * `DEMO_RUNNER_PORT`, `DEMO_EDGE_PORT`; defaults 5173, 5174, 8000), each
 * checked before anything starts (dev/demo-ports.ts).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { demoPorts, takenPortMessage } from "./demo-ports.ts";
import { startMongoServer } from "./mongo-server.ts";
import { spawnReady } from "./spawn-ready.ts";

const ROOT = resolve(import.meta.dir, "..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const DENO = resolve(ROOT, "node_modules/.bin/deno");
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    serve: { type: "boolean", default: false },
    users: { type: "string", default: "2000" },
    "sso-port": { type: "string" },
    "runner-port": { type: "string" },
    "edge-port": { type: "string" },
  },
});

const secret = "demo-webhook-secret-0123456789abcdef";
const ingestSecret = "demo-ingest-secret-0123456789abcdef";
const cleanups: (() => Promise<void>)[] = [];
const cleanup = async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
};

try {
  const { serve: _s, users: _u, ...portFlags } = values;
  const ports = demoPorts(portFlags, process.env);
  const taken = values.serve ? await takenPortMessage(ports) : null;
  if (taken) throw new Error(taken);
  console.log("▶ Starting the local MongoDB-wire server…");
  const mongo = await startMongoServer();
  cleanups.push(() => mongo.stop());
  console.log(`  ${mongo.kind} at ${mongo.uri}`);

  const edgePort = String(ports.edge);
  console.log(`▶ Starting the development SSO with ${values.users} users…`);
  const sso = await spawnReady([BUN, "dev/sso/main.ts"], {
    SSO_PORT: values.serve ? String(ports.sso) : "0",
    DEV_SSO_USERS: values.users,
    DEV_SSO_MAX_RESULTS: "1000",
    SCIM_CLIENT_ID: "scim-dev-client",
    SCIM_CLIENT_SECRET: "dev-secret-change-me",
    DEV_SSO_DEV_TOKEN: "dev-admin",
    SCIM_WEBHOOK_SECRET: secret,
    DEV_SSO_WEBHOOK_URL: values.serve
      ? `http://127.0.0.1:${edgePort}/api/v1/scim/webhook`
      : undefined,
  }, { name: "development SSO", cwd: ROOT });
  cleanups.push(() => sso.stop());
  console.log(`  ${sso.url}`);

  const env = {
    SSO_BASE_URL: sso.url,
    SCIM_CLIENT_ID: "scim-dev-client",
    SCIM_CLIENT_SECRET: "dev-secret-change-me",
    MONGODB_URI: mongo.uri,
    MONGODB_DB: "ofm",
    SCIM_WEBHOOK_SECRET: secret,
    INGEST_SECRET: ingestSecret,
    // No SCIM_RATE_LIMIT: the client's default is the guide's 100 a minute, the SSO's allowance.
  };
  console.log("▶ Running one full sync (npm run sync)…\n");
  const sync = Bun.spawn([BUN, "runner/cli/sync.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdout: "inherit",
    stderr: "inherit",
  });
  const code = await sync.exited;
  if (code !== 0) throw new Error(`the sync exited with ${code}`);

  if (values.serve) {
    const runner = await spawnReady([BUN, "runner/main.ts"], {
      ...env,
      PORT: String(ports.runner),
      SYNC_INTERVAL: "30m",
      SYNC_ON_START: "false",
    }, {
      name: "runner",
      echo: true,
      cwd: ROOT,
    });
    cleanups.push(() => runner.stop());
    const edge = await spawnReady([DENO, "run", "--allow-net", "--allow-env", "edge/main.ts"], {
      ...env,
      PORT: edgePort,
      OFM_INGEST_URL: `${runner.url}/api/v1/scim/events`,
    }, { name: "edge", echo: true, cwd: ROOT });
    cleanups.push(() => edge.stop());
    console.log(`
✅ The whole product is up. Look at:
   Sync page      ${runner.url}/modules/sync
   Health         ${runner.url}/health
   Metrics        ${runner.url}/metrics
   Edge webhook   ${edge.url}/api/v1/scim/webhook
   SSO            ${sso.url}/scim/v2/Users  (make changes: POST ${sso.url}/_dev/mutate with Authorization: Bearer dev-admin)
   MongoDB        ${mongo.uri} (database ofm)
Press Ctrl-C to stop.`);
    await new Promise<void>((r) => {
      process.once("SIGINT", () => r());
      process.once("SIGTERM", () => r());
    });
  }
  await cleanup();
  process.exit(0);
} catch (e) {
  console.error(`❌ Demo failed: ${e instanceof Error ? e.message : String(e)}`);
  await cleanup();
  process.exit(1);
}
