/**
 * `npm run sso`: the development SSO in the foreground (default port 5173).
 * Prints `ready http://127.0.0.1:PORT` first, so tests can spawn it.
 *
 * @module
 */
import { startDevSso } from "./server.ts";

const env = process.env;
const num = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
const webhookUrl = env.DEV_SSO_WEBHOOK_URL;
const secret = env.SCIM_WEBHOOK_SECRET?.split(",")[0]?.trim();

const running = await startDevSso({
  port: num(env.SSO_PORT, 5173),
  users: num(env.DEV_SSO_USERS, 500),
  seed: num(env.DEV_SSO_SEED, 42),
  maxResults: num(env.DEV_SSO_MAX_RESULTS, 200),
  clientId: env.SCIM_CLIENT_ID || "scim-dev-client",
  clientSecret: env.SCIM_CLIENT_SECRET || "dev-secret-change-me",
  webhooks: webhookUrl && secret ? [{ url: webhookUrl, secret }] : [],
  webhookRetryDelayMs: num(env.DEV_SSO_WEBHOOK_RETRY_MS, 1000),
});
console.log(`ready ${running.url}`);
console.error(
  `Development SSO: ${running.sso.directory.size("User")} users, ${running.sso.directory.size("Group")} groups` +
    (webhookUrl ? `, webhooks to ${webhookUrl}` : ""),
);
const stop = async () => {
  await running.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
