/**
 * The development SSO (dev/sso/main.ts) in its own process for the daemon and
 * browser tests, so the runners' SCIM traffic crosses a real socket and a
 * slow SSO (its delay fault) slows only them. Runners reach it with OAuth2
 * client credentials, as in production.
 *
 * @module
 */
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const CLIENT_ID = "scim-test-client";
const CLIENT_SECRET = "scim-test-secret-0123456789";
const DEV_TOKEN = "dev-admin-token-for-tests";

/** A running SSO and the runner variables that reach it. */
export interface SsoProcess {
  url: string;
  env: Record<string, string>;
  /** The directory's size (`GET /_dev/stats`). */
  stats(): Promise<{ users: number; groups: number }>;
  /** Random changes in the directory (`POST /_dev/mutate`); changed user ids. */
  mutate(
    m: { changeUsers?: number; deleteUsers?: number; addUsers?: number },
  ): Promise<{ changed: string[] }>;
  /** Sets fault rules (`POST /_dev/faults`, dev/sso/faults.ts), or clears them all with null. */
  faults(rules: Record<string, unknown>[] | null): Promise<void>;
  /** The faults fired so far, oldest first (`GET /_dev/faults`): an event a test can await. */
  firedFaults(): Promise<{ kind: string; resource?: string; page?: number }[]>;
  stop(): Promise<void>;
}

/**
 * Starts the development SSO with `users` users, pages of `maxResults`, and
 * every SCIM request (not the token endpoint) delayed by `delayMs`.
 *
 * @example
 * ```ts
 * const sso = await startSso({ users: 20, delayMs: 300 });
 * await startRunner({ ...sso.env, MONGODB_URI: uri });
 * await sso.stop();
 * ```
 */
export async function startSso(opts: {
  users: number;
  delayMs: number;
  maxResults?: number;
  /** DEV_SSO_RATE_LIMIT. @default 0 (none) */
  rateLimitPerMinute?: number;
  /** Port to listen on (to start it again where a runner expects it); default a free one. */
  port?: number;
  /** Where the SSO posts signed webhooks on every change. */
  webhook?: { url: string; secret: string };
}): Promise<SsoProcess> {
  const proc = Bun.spawn([BUN, "dev/sso/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      SSO_PORT: String(opts.port ?? 0),
      DEV_SSO_USERS: String(opts.users),
      DEV_SSO_MAX_RESULTS: String(opts.maxResults ?? 5),
      // No allowance: the daemons under test sync every few seconds (their pacing is lifted too).
      DEV_SSO_RATE_LIMIT: String(opts.rateLimitPerMinute ?? 0),
      SCIM_CLIENT_ID: CLIENT_ID,
      SCIM_CLIENT_SECRET: CLIENT_SECRET,
      DEV_SSO_DEV_TOKEN: DEV_TOKEN,
      DEV_SSO_WEBHOOK_RETRY_MS: "200",
      ...(opts.webhook
        ? { DEV_SSO_WEBHOOK_URL: opts.webhook.url, SCIM_WEBHOOK_SECRET: opts.webhook.secret }
        : {}),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  // Kept only to explain a failed start.
  let errText = "";
  void (async () => {
    for (const r = proc.stderr.getReader();;) {
      const { value, done } = await r.read();
      if (done) return;
      errText = (errText + new TextDecoder().decode(value)).slice(-4000);
    }
  })();
  const reader = proc.stdout.getReader();
  let out = "";
  const deadline = Date.now() + 20_000;
  while (!/ready (\S+)\n/.test(out)) {
    if (Date.now() > deadline) throw new Error(`SSO not ready: ${out}${errText}`);
    const { value, done } = await reader.read();
    if (done) {
      await proc.exited;
      throw new Error(`SSO exited before ready: ${out}${errText}`);
    }
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const url = /ready (\S+)\n/.exec(out)![1]!;
  const dev = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${DEV_TOKEN}`, "Content-Type": "application/json" },
    });
  if (opts.delayMs > 0) {
    const res = await dev("/_dev/faults", {
      method: "POST",
      body: JSON.stringify({ kind: "delay", ms: opts.delayMs }),
    });
    if (!res.ok) {
      throw new Error(`could not set the delay fault: ${res.status} ${await res.text()}`);
    }
  }
  return {
    url,
    env: { SSO_BASE_URL: url, SCIM_CLIENT_ID: CLIENT_ID, SCIM_CLIENT_SECRET: CLIENT_SECRET },
    async stats() {
      return (await (await dev("/_dev/stats")).json()) as { users: number; groups: number };
    },
    async mutate(m) {
      const res = await dev("/_dev/mutate", { method: "POST", body: JSON.stringify(m) });
      if (!res.ok) throw new Error(`mutate failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { changed: string[] };
    },
    async firedFaults() {
      const res = await dev("/_dev/faults");
      return ((await res.json()) as { history: { kind: string; page?: number }[] }).history;
    },
    async faults(rules) {
      const res = rules === null
        ? await dev("/_dev/faults", { method: "DELETE" })
        : await dev("/_dev/faults", { method: "POST", body: JSON.stringify(rules) });
      if (!res.ok) throw new Error(`faults failed: ${res.status} ${await res.text()}`);
    },
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}
