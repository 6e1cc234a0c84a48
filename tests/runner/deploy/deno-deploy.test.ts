/**
 * The edge as Deno Deploy runs it, from the `deploy` section of deno.json:
 * the repository copied without node_modules, Deploy's install command run
 * (npm from its cache: `--prefer-offline`), then the entry point started with
 * `--allow-net --allow-env` only (Deploy itself grants everything; these two
 * are all the edge needs) and a fresh DENO_DIR — it must answer webhooks. And
 * `npm run edge` reading `.env` like the runner.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { killTree, launch, type Launched } from "../support/launched.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const DENO = resolve(ROOT, "node_modules/.bin/deno");
const deploy = (await Bun.file(resolve(ROOT, "deno.json")).json()).deploy as {
  install: string;
  runtime: { type: string; entrypoint: string };
};
const SECRETS = {
  SCIM_WEBHOOK_SECRET: "deploy-test-webhook-secret-0123",
  INGEST_SECRET: "deploy-test-ingest-secret-01234",
};

let dir: string;
const started: Launched[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "scim-sync-deploy-"));
  for (const p of ["edge", "shared", "deno.json", "package.json", "package-lock.json", ".npmrc"]) {
    cpSync(resolve(ROOT, p), join(dir, p), { recursive: true });
  }
});
afterAll(() => {
  for (const s of started) killTree(s.proc.pid);
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `argv` in the copy and waits for the edge's `ready` line; its URL. */
async function ready(argv: string[], env: Record<string, string>): Promise<string> {
  const edge = launch(argv, { ...env, DENO_DIR: join(dir, ".deno-dir"), PORT: "0" }, dir);
  started.push(edge);
  return /ready (\S+)/.exec(await edge.line(/^ready http/, 60_000))![1]!;
}

/** A webhook with a wrong signature: the edge must answer 401 before any forwarding. */
async function forgedWebhook(url: string) {
  return await fetch(`${url}/api/v1/scim/webhook`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-SCIM-Signature": `sha256=${"0".repeat(64)}` },
    body: JSON.stringify({ event: "user.updated", resourceType: "User", resourceId: "u1" }),
  });
}

describe("the edge on Deno Deploy (deno.json `deploy`)", () => {
  test("is a dynamic app whose entry point is edge/main.ts, installed by npm without dev dependencies", () => {
    expect(deploy.runtime).toEqual({ type: "dynamic", entrypoint: "edge/main.ts" });
    expect(deploy.install).toBe("npm ci --omit=dev --ignore-scripts");
  });

  test(
    "installs from a copy without node_modules and serves with only --allow-net --allow-env",
    async () => {
      const [cmd, ...args] = deploy.install.split(" ");
      const install = Bun.spawn([cmd!, ...args, "--prefer-offline", "--no-audit"], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
        stdout: "pipe",
        stderr: "pipe",
      });
      const err = await new Response(install.stderr).text();
      expect({ code: await install.exited, err }).toMatchObject({ code: 0 });
      const url = await ready(
        [DENO, "run", "--allow-net", "--allow-env", deploy.runtime.entrypoint],
        SECRETS,
      );
      const res = await forgedWebhook(url);
      expect(res.status).toBe(401);
      expect(await res.text()).toContain("Invalid webhook signature");
    },
    240_000,
  );

  test("`npm run edge` reads .env from its directory, as the runner does", async () => {
    writeFileSync(
      join(dir, ".env"),
      Object.entries(SECRETS).map(([k, v]) => `${k}=${v}`).join("\n") + "\n",
    );
    const script = (await Bun.file(join(dir, "package.json")).json()).scripts.edge as string;
    expect(script).toContain("--env-file=.env");
    const url = await ready(["npm", "run", "edge"], {
      PATH: `${resolve(ROOT, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
    });
    expect((await forgedWebhook(url)).status).toBe(401);
  }, 120_000);
});
