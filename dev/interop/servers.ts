/**
 * Third-party SCIM servers for the interop suite (tests/runner/interop/), each
 * started as its own process on a free loopback port with a static bearer token:
 *
 * - `scim2-server`: python-scim's in-memory server (PyPI `scim2-server`), its
 *   own command line, from the venv `.ci/run` makes in `.cache/interop-venv`
 *   (or the binary named by `INTEROP_SCIM2_SERVER`).
 * - `scimmy`: a server on SCIMMY and its Express routers (npm `scimmy`,
 *   `scimmy-routers`, `express` 4, devDependencies), `scimmy-server.ts` beside this file.
 * - `elimity`: a server on the Go library `github.com/elimity-com/scim`
 *   (`elimity/main.go`), built once into `.cache/bin/` (by `.ci/run`, or here when
 *   Go is on PATH) and again only when its sources change.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { type ReadyProcess, spawnReady } from "../spawn-ready.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const VENV = resolve(ROOT, ".cache/interop-venv");
const ELIMITY_SRC = resolve(ROOT, "dev/interop/elimity");
const ELIMITY_BIN = resolve(ROOT, ".cache/bin/elimity-scim-server");

/** The servers the suite knows. */
export type InteropKind = "scim2-server" | "scimmy" | "elimity";
export const INTEROP_KINDS: readonly InteropKind[] = ["scim2-server", "scimmy", "elimity"];

/** Whether a server can be started here: its version, or why not. */
export type InteropAvailability =
  | { ok: true; version: string }
  | { ok: false; reason: string };

/** A running server. */
export interface InteropServer {
  kind: InteropKind;
  version: string;
  /** The SCIM base URL, e.g. `http://127.0.0.1:41234/v2`: what `SCIM_BASE_URL` takes. */
  baseUrl: string;
  /** The bearer token it accepts: what `SCIM_BEARER_TOKEN` takes. */
  token: string;
  stop(): Promise<void>;
}

const scim2Binary = () => process.env.INTEROP_SCIM2_SERVER ?? join(VENV, "bin", "scim2-server");

/** The installed scim2-server's version, from its dist-info folder in the venv. */
function scim2Version(): string | null {
  const lib = join(VENV, "lib");
  if (!existsSync(lib)) return null;
  for (const py of readdirSync(lib)) {
    const site = join(lib, py, "site-packages");
    if (!existsSync(site)) continue;
    const info = readdirSync(site).find((d) => /^scim2_server-.+\.dist-info$/.test(d));
    if (info) return /^scim2_server-(.+)\.dist-info$/.exec(info)![1]!;
  }
  return null;
}

function packageVersion(name: string): string | null {
  const file = join(ROOT, "node_modules", name, "package.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).version : null;
}

/** The elimity-com/scim version go.mod requires. */
function elimityVersion(): string {
  const mod = readFileSync(join(ELIMITY_SRC, "go.mod"), "utf8");
  return /github\.com\/elimity-com\/scim (\S+)/.exec(mod)?.[1] ?? "unknown";
}

/** Whether the built server is newer than each of its sources. */
function elimityFresh(): boolean {
  if (!existsSync(ELIMITY_BIN)) return false;
  const built = statSync(ELIMITY_BIN).mtimeMs;
  return ["main.go", "go.mod", "go.sum"].every((f) =>
    statSync(join(ELIMITY_SRC, f)).mtimeMs <= built
  );
}

/** `go` on PATH, or null. */
const goBinary = () => Bun.which("go");

/**
 * Builds the elimity server into `.cache/bin/` unless it is fresh (~20 s with the
 * modules cached, a minute or two cold); lands by rename, so no one runs half a binary.
 *
 * @throws {Error} with the build's output when it fails
 * @example
 * ```ts
 * await ensureElimityServer(); // ".../.cache/bin/elimity-scim-server"
 * ```
 */
export async function ensureElimityServer(): Promise<string> {
  if (elimityFresh()) return ELIMITY_BIN;
  const go = goBinary();
  if (!go) throw new Error("go is not on PATH to build dev/interop/elimity");
  mkdirSync(dirname(ELIMITY_BIN), { recursive: true });
  const tmp = `${ELIMITY_BIN}.tmp-${process.pid}`;
  const proc = Bun.spawn([go, "build", "-o", tmp, "."], {
    cwd: ELIMITY_SRC,
    env: { ...process.env, GOFLAGS: "-mod=mod -buildvcs=false" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`building dev/interop/elimity failed (exit ${code}):\n${err}`);
  renameSync(tmp, ELIMITY_BIN);
  return ELIMITY_BIN;
}

/**
 * Whether `kind` can be started on this machine.
 *
 * @example
 * ```ts
 * const a = interopAvailability("scim2-server");
 * if (!a.ok) console.warn(`skipped: ${a.reason}`);
 * ```
 */
export function interopAvailability(kind: InteropKind): InteropAvailability {
  if (kind === "scim2-server") {
    if (!existsSync(scim2Binary())) {
      return {
        ok: false,
        reason:
          `${scim2Binary()} is missing (bash .ci/run installs scim2-server in .cache/interop-venv)`,
      };
    }
    return { ok: true, version: scim2Version() ?? "unknown" };
  }
  if (kind === "elimity") {
    if (!elimityFresh() && !goBinary()) {
      return {
        ok: false,
        reason:
          `${ELIMITY_BIN} is missing or older than dev/interop/elimity, and no go on PATH to build it`,
      };
    }
    return { ok: true, version: elimityVersion() };
  }
  const missing = ["scimmy", "scimmy-routers", "express"].filter((p) => !packageVersion(p));
  if (missing.length > 0) {
    return { ok: false, reason: `npm packages missing: ${missing.join(", ")} (run npm ci)` };
  }
  const routers = packageVersion("scimmy-routers");
  return {
    ok: true,
    version: `${packageVersion("scimmy")} (scimmy-routers ${routers}, express ${
      packageVersion("express")
    })`,
  };
}

/** A port free right now (the Python server prints the port it was given, not the one it got). */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

async function spawnKind(kind: InteropKind, token: string): Promise<ReadyProcess> {
  if (kind === "scimmy") {
    return await spawnReady([BUN, "dev/interop/scimmy-server.ts"], {
      INTEROP_PORT: "0",
      INTEROP_TOKEN: token,
    }, { name: "scimmy", cwd: ROOT });
  }
  if (kind === "elimity") {
    const bin = await ensureElimityServer();
    return await spawnReady([bin, "-listen", "127.0.0.1:0", "-token", token], {}, {
      name: "elimity",
      cwd: ROOT,
    });
  }
  const port = String(await freePort());
  return await spawnReady(
    [scim2Binary(), "--hostname", "127.0.0.1", "--port", port, "--bearer-token", token],
    { PYTHONUNBUFFERED: "1" },
    { name: "scim2-server", cwd: ROOT, ready: /Serving SCIM on (\S+)/ },
  );
}

/**
 * Starts `kind` as its own process.
 *
 * @throws {Error} when it is not installed (see {@linkcode interopAvailability}) or does not start
 * @example
 * ```ts
 * const server = await startInteropServer("scimmy");
 * // SCIM_BASE_URL = server.baseUrl, SCIM_BEARER_TOKEN = server.token
 * await server.stop();
 * ```
 */
export async function startInteropServer(kind: InteropKind): Promise<InteropServer> {
  const available = interopAvailability(kind);
  if (!available.ok) throw new Error(`${kind} cannot start: ${available.reason}`);
  const token = `interop-${kind}-${crypto.randomUUID()}`;
  const proc = await spawnKind(kind, token);
  return { kind, version: available.version, baseUrl: proc.url, token, stop: proc.stop };
}
