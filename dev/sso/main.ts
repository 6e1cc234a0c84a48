/**
 * `npm run sso`: the development SSO in the foreground (port `SSO_PORT`,
 * default 5173). Its first stdout line is `ready http://127.0.0.1:PORT`, so
 * tests can spawn it and wait for that line. Secrets are never printed.
 *
 * Environment: SSO_PORT, SSO_HOST (bind address, default 127.0.0.1),
 * SCIM_CLIENT_ID, SCIM_CLIENT_SECRET, DEV_SSO_USERS (500), DEV_SSO_SEED (42),
 * DEV_SSO_ORG_UNITS, DEV_SSO_MAX_RESULTS (1000), DEV_SSO_WEBHOOK_URL +
 * SCIM_WEBHOOK_SECRET, DEV_SSO_WEBHOOK_RETRY_MS (1000), DEV_SSO_WEBHOOK_CONCURRENCY
 * (deliveries in flight, 8), DEV_SSO_STATIC_TOKEN,
 * DEV_SSO_DEV_TOKEN, DEV_SSO_TOKEN_TTL (3600), DEV_SSO_RATE_LIMIT (requests per
 * client in any minute, default the guide's 100, 0 = none),
 * DEV_SSO_TOKEN_AUTH (post|basic|both, default both), DEV_SSO_TOKEN_SCOPE and
 * DEV_SSO_TOKEN_AUDIENCE (required in every token request when set).
 *
 * @module
 */
import { startDevSso } from "./server.ts";
import { launchedByNpm, watchLauncher } from "../../runner/process/launcher-watch.ts";

const env = process.env;
const num = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
const opt = (v: string | undefined) => (v && Number.isFinite(Number(v)) ? Number(v) : undefined);
const webhookUrl = env.DEV_SSO_WEBHOOK_URL;
// The webhook receiver may list several secrets during a rotation; the sender signs with the first.
const secret = env.SCIM_WEBHOOK_SECRET?.split(",")[0]?.trim();
const seed = env.DEV_SSO_SEED && !Number.isFinite(Number(env.DEV_SSO_SEED))
  ? env.DEV_SSO_SEED
  : num(env.DEV_SSO_SEED, 42);

const tokenAuth = env.DEV_SSO_TOKEN_AUTH?.trim().toLowerCase() || "both";
if (tokenAuth !== "post" && tokenAuth !== "basic" && tokenAuth !== "both") {
  console.error("❌ DEV_SSO_TOKEN_AUTH must be post, basic or both");
  process.exit(2);
}

const rateLimit = env.DEV_SSO_RATE_LIMIT?.trim() || undefined;
if (rateLimit !== undefined && !/^\d+$/.test(rateLimit)) {
  console.error("❌ DEV_SSO_RATE_LIMIT must be a whole number of requests per minute (0 = none)");
  process.exit(2);
}

const running = await startDevSso({
  port: num(env.SSO_PORT, 5173),
  hostname: env.SSO_HOST || "127.0.0.1",
  users: num(env.DEV_SSO_USERS, 500),
  orgUnits: opt(env.DEV_SSO_ORG_UNITS),
  seed,
  maxResults: num(env.DEV_SSO_MAX_RESULTS, 1000),
  clientId: env.SCIM_CLIENT_ID || "scim-dev-client",
  clientSecret: env.SCIM_CLIENT_SECRET || "dev-secret-change-me",
  staticToken: env.DEV_SSO_STATIC_TOKEN || undefined,
  devToken: env.DEV_SSO_DEV_TOKEN || undefined,
  tokenTtlSeconds: num(env.DEV_SSO_TOKEN_TTL, 3600),
  tokenAuth,
  tokenScope: env.DEV_SSO_TOKEN_SCOPE || undefined,
  tokenAudience: env.DEV_SSO_TOKEN_AUDIENCE || undefined,
  rateLimitPerMinute: rateLimit === undefined ? undefined : Number(rateLimit),
  webhooks: webhookUrl && secret ? [{ url: webhookUrl, secret }] : [],
  webhookRetryDelayMs: num(env.DEV_SSO_WEBHOOK_RETRY_MS, 1000),
  webhookConcurrency: num(env.DEV_SSO_WEBHOOK_CONCURRENCY, 8),
});
const { directory } = running.sso;
console.log(`ready ${running.url}`);
console.log(
  `Development SSO (Aksara SSO stand-in) at ${running.url}/scim/v2 — ${
    directory.size("User")
  } users, ` +
    `${directory.size("Group")} groups (seed ${seed}), client ${
      env.SCIM_CLIENT_ID || "scim-dev-client"
    }, ${allowanceText(running.sso.allowance)}, ` +
    (webhookUrl
      ? (secret
        ? `webhooks to ${webhookUrl}`
        : `DEV_SSO_WEBHOOK_URL ignored: SCIM_WEBHOOK_SECRET is not set`)
      : "no webhook target"),
);

function allowanceText(allowance: { requests: number; windowMs: number }): string {
  return allowance.requests
    ? `${allowance.requests} requests in ${allowance.windowMs / 1000} s per client`
    : "no request allowance";
}

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await running.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// npm does not pass a SIGTERM on to its script: stop when the npm that launched us is gone.
if (launchedByNpm(process.env)) watchLauncher({ onGone: () => void stop() });
