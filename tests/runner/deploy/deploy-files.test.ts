/**
 * The files an operator deploys with: the systemd unit (checked by
 * `systemd-analyze verify` where systemd is installed) and the container
 * file, held against what the runner does — its stop grace, its executable,
 * the Bun version it is built with. The container image itself cannot be
 * built here (no container runtime); these checks are what can be proven.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../../../runner/config.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const UNIT = readFileSync(resolve(ROOT, "deploy/systemd/scim-sync.service"), "utf8");
const CONTAINER = readFileSync(resolve(ROOT, "deploy/container/Containerfile"), "utf8");
const COMPOSE = readFileSync(resolve(ROOT, "deploy/container/compose.yaml"), "utf8");
/** The default grace plus the 15 s the daemon allows itself before exiting anyway (main.ts). */
const STOP_NEEDS_MS = loadConfig({}, { requireCredentials: false }).shutdownGraceMs + 15_000;

/** `Key=value` lines of a unit's section. */
function unitValues(key: string): string[] {
  return UNIT.split("\n").filter((l) => l.startsWith(`${key}=`)).map((l) =>
    l.slice(key.length + 1)
  );
}

const ANALYZE = Bun.which("systemd-analyze");
if (!ANALYZE) {
  console.log("skipped: systemd-analyze verify — not installed (apt-get install systemd)");
}

describe("deploy/systemd/scim-sync.service", () => {
  test.skipIf(!ANALYZE)(
    "passes `systemd-analyze verify` (with ExecStart on a real executable)",
    async () => {
      const analyze = ANALYZE!;
      const dir = mkdtempSync(join(tmpdir(), "scim-sync-unit-"));
      // verify checks that ExecStart's file exists and is executable: any executable stands in.
      const stand = join(dir, "scim-sync");
      writeFileSync(stand, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      const unit = join(dir, "scim-sync.service");
      writeFileSync(unit, UNIT.replace("ExecStart=/usr/local/bin/scim-sync", `ExecStart=${stand}`));
      const run = Bun.spawn([analyze, "verify", unit], { stdout: "pipe", stderr: "pipe" });
      const out = (await new Response(run.stdout).text()) + (await new Response(run.stderr).text());
      const code = await run.exited;
      rmSync(dir, { recursive: true, force: true });
      expect({ code, out }).toEqual({ code: 0, out: "" });
    },
    30_000,
  );

  test("runs the executable directly, stops it with SIGTERM, and waits longer than its grace", () => {
    expect(unitValues("ExecStart")).toEqual(["/usr/local/bin/scim-sync start"]);
    expect(unitValues("KillSignal")).toEqual(["SIGTERM"]);
    const [timeout] = unitValues("TimeoutStopSec");
    expect(Number(/^(\d+)s$/.exec(timeout ?? "")?.[1]) * 1000).toBeGreaterThan(STOP_NEEDS_MS);
    expect(unitValues("EnvironmentFile")).toEqual(["/etc/scim-sync/scim-sync.env"]);
  });

  test("is hardened: no new privileges, no capabilities, a read-only system, its own user", () => {
    for (
      const [key, value] of [
        ["NoNewPrivileges", "yes"],
        ["CapabilityBoundingSet", ""],
        ["ProtectSystem", "strict"],
        ["ProtectHome", "yes"],
        ["PrivateTmp", "yes"],
        ["DynamicUser", "yes"],
        ["RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"],
        ["SystemCallFilter", "@system-service"],
      ]
    ) expect(unitValues(key!)).toEqual([value!]);
  });
});

describe("deploy/container", () => {
  test("builds from the official Bun image at the Bun version the project uses", () => {
    const bun = JSON.parse(
      readFileSync(resolve(ROOT, "node_modules/bun/package.json"), "utf8"),
    ).version;
    const froms = [...CONTAINER.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms).toEqual([`oven/bun:${bun}`, `oven/bun:${bun}-slim`]);
  });

  test("runs the executable as the image's non-root user, stopped by SIGTERM", () => {
    expect(CONTAINER).toMatch(/^USER bun$/m);
    expect(CONTAINER).not.toMatch(/^USER root$/m);
    expect(CONTAINER).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(CONTAINER).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/scim-sync"\]$/m);
    expect(CONTAINER).toContain("RUN bun scripts/build.ts --outfile /out/scim-sync");
    // Every path it copies exists in the repository.
    for (const m of CONTAINER.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1]!.split(" ")) expect(existsSync(resolve(ROOT, src))).toBe(true);
    }
  });

  test("compose gives a stop timeout above the runner's grace", () => {
    const grace = /stop_grace_period: (\d+)s/.exec(COMPOSE)?.[1];
    expect(Number(grace) * 1000).toBeGreaterThan(STOP_NEEDS_MS);
    expect(CONTAINER).toMatch(/--stop-timeout (\d+)/);
    expect(Number(/--stop-timeout (\d+)/.exec(CONTAINER)![1]) * 1000).toBeGreaterThan(
      STOP_NEEDS_MS,
    );
  });
});
