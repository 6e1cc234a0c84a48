/**
 * The MongoDB-wire server the tests and the demo use (design: "The databases the
 * tests use"). Order of choice: `MONGODB_URI` if set; a `mongod` on PATH; otherwise
 * FerretDB v1.24.2 on SQLite, embedded in our own launcher (dev/ferretdb/main.go),
 * built once into `.cache/bin/`.
 *
 * Runs under Bun (Bun.spawn, Bun.which); never imported by production code.
 */
import { createServer, connect } from "node:net";
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

/** A running (or external) MongoDB-wire server. */
export interface MongoServer {
  /** `mongodb://host:port/`, without a database name: callers pick their own. */
  uri: string;
  kind: "external" | "mongod" | "ferretdb";
  pid?: number;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes a temp data dir. No-op when external. */
  stop(): Promise<void>;
  /** SIGKILL, for fault tests; the data dir is kept so restart() can bring it back. Throws when external. */
  kill(): void;
  /** Starts the server again on the same port with the same data dir (stopping it first if alive). Throws when external. */
  restart(): Promise<void>;
}

/** Options of {@link startMongoServer}. */
export interface StartMongoServerOptions {
  /** Port to listen on; default: a free one. */
  port?: number;
  /** Data directory, kept on stop(); default: a fresh temp dir removed on stop(). */
  dataDir?: string;
  /** Ignore `MONGODB_URI` and start a local server (a mongod on PATH, else FerretDB). */
  forceEmbedded?: boolean;
  /**
   * FerretDB log level: error | warn | info | debug. When given (here or via the
   * `MONGO_LOG_LEVEL` env), the server's logs are echoed to our stderr; otherwise they
   * are only kept to explain a failed start. FerretDB logs every failed command at
   * warn, including the `endSessions` each driver sends on close, hence the default.
   */
  logLevel?: string;
}

const REPO_ROOT = resolve(import.meta.dir, "..");
const LAUNCHER_SRC = join(REPO_ROOT, "dev", "ferretdb");
const LAUNCHER_BIN = join(REPO_ROOT, ".cache", "bin", "ferretdb-launcher");
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const TAIL_BYTES = 16_384;

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago (the OS picks it).
 *
 * @example
 * const port = await freePort(); // e.g. 41237
 */
export async function freePort(): Promise<number> {
  return await new Promise<number>((ok, fail) => {
    const server = createServer();
    server.unref();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? ok(port) : fail(new Error("freePort: no port assigned"))));
    });
  });
}

let building: Promise<string> | undefined;

/**
 * Builds the FerretDB launcher into `.cache/bin/ferretdb-launcher` unless it is
 * newer than its sources, and returns its path. A cold build takes about a minute
 * on two cores; later calls are a few `stat`s.
 *
 * @example
 * const bin = await ensureFerretLauncher();
 * // Bun.spawn([bin, "-listen", "127.0.0.1:27017", "-dir", "data"])
 */
export async function ensureFerretLauncher(): Promise<string> {
  // Share one build between concurrent callers of this process.
  building ??= buildLauncher().finally(() => (building = undefined));
  return await building;
}

async function buildLauncher(): Promise<string> {
  const sources = ["main.go", "go.mod", "go.sum"].map((f) => join(LAUNCHER_SRC, f));
  const binTime = mtime(LAUNCHER_BIN);
  if (binTime !== undefined && sources.every((s) => (mtime(s) ?? 0) <= binTime)) return LAUNCHER_BIN;

  const go = Bun.which("go");
  if (go === null) {
    throw new Error(
      "ferretdb launcher: `go` is not on PATH. Install Go >= 1.24, put a mongod on PATH, or set MONGODB_URI.",
    );
  }
  process.stderr.write("mongo: building the FerretDB launcher (.cache/bin/ferretdb-launcher, ~1 min the first time)…\n");
  const started = performance.now();
  mkdirSync(join(REPO_ROOT, ".cache", "bin"), { recursive: true });
  // Build beside the target and rename: a concurrent run never sees half a binary.
  const tmp = `${LAUNCHER_BIN}.tmp-${process.pid}`;
  const proc = Bun.spawn([go, "build", "-o", tmp, "."], {
    cwd: LAUNCHER_SRC,
    // -mod=mod lets go.sum be completed on a machine whose module cache lacks an
    // entry; -buildvcs=false avoids git "dubious ownership" failures in CI.
    env: { ...process.env, GOFLAGS: "-mod=mod -buildvcs=false" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`ferretdb launcher: go build failed (exit ${code}):\n${out}${err}`);
  }
  renameSync(tmp, LAUNCHER_BIN);
  process.stderr.write(`mongo: launcher built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return LAUNCHER_BIN;
}

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Starts (or adopts) a MongoDB-wire server; see the module doc for the order of
 * choice. `MONGO_SERVER_KIND=ferretdb|mongod` overrides the PATH lookup, e.g. to
 * test on FerretDB on a machine that has a mongod.
 *
 * @example
 * const server = await startMongoServer();
 * const client = new MongoClient(server.uri);
 * // …
 * await client.close();
 * await server.stop();
 */
export async function startMongoServer(opts: StartMongoServerOptions = {}): Promise<MongoServer> {
  const external = process.env.MONGODB_URI;
  if (external && !opts.forceEmbedded) return externalServer(external);

  const wanted = process.env.MONGO_SERVER_KIND;
  const mongod = wanted === "ferretdb" ? null : Bun.which("mongod");
  if (wanted === "mongod" && mongod === null) throw new Error("MONGO_SERVER_KIND=mongod but no mongod on PATH");

  const echo = opts.logLevel !== undefined || process.env.MONGO_LOG_LEVEL !== undefined;
  const logLevel = opts.logLevel ?? process.env.MONGO_LOG_LEVEL ?? "warn";
  const ownsDir = opts.dataDir === undefined;
  if (ownsDir) sweepOrphanDirs();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
  mkdirSync(dataDir, { recursive: true });

  const server =
    mongod !== null
      ? new LocalServer("mongod", mongod, opts.port ?? (await freePort()), dataDir, ownsDir, logLevel, echo)
      : // Port 0 works with the launcher (it reports the bound port), which avoids
        // the race between freePort() and the bind.
        new LocalServer("ferretdb", await ensureFerretLauncher(), opts.port ?? 0, dataDir, ownsDir, logLevel, echo);
  try {
    await server.start();
  } catch (error) {
    server.cleanUp();
    throw error;
  }
  return server;
}

/**
 * Temp data dirs carry their creator's pid in the name: a parent killed by a signal
 * runs no "exit" handler, so the next start removes dirs whose creator is gone
 * (their launcher has exited too, on stdin EOF).
 */
const TEMP_PREFIX = "scim-sync-mongo-";

function sweepOrphanDirs(): void {
  let entries: string[];
  try {
    entries = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(/^scim-sync-mongo-(\d+)-/.exec(entry)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || processExists(pid)) continue;
    rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}

function externalServer(uri: string): MongoServer {
  const refuse = (what: string) => {
    throw new Error(`${what}() is not possible on an external server (MONGODB_URI); use forceEmbedded`);
  };
  return {
    uri,
    kind: "external",
    stop: async () => {},
    kill: () => refuse("kill"),
    restart: async () => refuse("restart"),
  };
}

/** Children still alive, killed synchronously if this process exits without stop(). */
const live = new Set<LocalServer>();
let exitHookInstalled = false;

function track(server: LocalServer): void {
  live.add(server);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // "exit" handlers must be synchronous: SIGKILL and rmSync are. The launcher also
  // exits on stdin EOF, which covers a parent that dies by SIGKILL.
  process.on("exit", () => {
    for (const s of live) s.cleanUp();
  });
}

class LocalServer implements MongoServer {
  uri = "";
  pid?: number;
  private proc?: Subprocess<"pipe", "pipe", "pipe">;
  private tail = "";

  constructor(
    readonly kind: "mongod" | "ferretdb",
    private readonly bin: string,
    private port: number,
    private readonly dataDir: string,
    private readonly ownsDir: boolean,
    private readonly logLevel: string,
    private readonly echo: boolean,
  ) {}

  async start(): Promise<void> {
    const args =
      this.kind === "ferretdb"
        ? ["-listen", `127.0.0.1:${this.port}`, "-dir", this.dataDir, "-log-level", this.logLevel, "-exit-on-stdin-eof"]
        : ["--dbpath", this.dataDir, "--port", String(this.port), "--bind_ip", "127.0.0.1", "--nounixsocket", "--quiet"];
    this.tail = "";
    const proc = Bun.spawn([this.bin, ...args], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    this.proc = proc;
    this.pid = proc.pid;
    track(this);

    let onReadyLine: (uri: string) => void = () => {};
    const readyLine = new Promise<string>((ok) => (onReadyLine = ok));
    void this.drain(proc.stdout, this.kind === "mongod", (line) => {
      const match = /^ready (mongodb:\/\/\S+)$/.exec(line);
      if (match?.[1]) onReadyLine(match[1]);
    });
    void this.drain(proc.stderr, true);

    const ready =
      this.kind === "ferretdb"
        ? readyLine
        : // mongod prints JSON logs and no ready line: wait until the port accepts.
          waitForPort(this.port, READY_TIMEOUT_MS, () => proc.exitCode === null).then(() => `mongodb://127.0.0.1:${this.port}/`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      ready.then((uri) => ({ uri })),
      proc.exited.then((code) => ({ exited: code })),
      new Promise<{ timeout: true }>((ok) => (timer = setTimeout(() => ok({ timeout: true }), READY_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if ("uri" in outcome) {
      this.uri = outcome.uri;
      this.port = Number(new URL(outcome.uri).port);
      return;
    }
    proc.kill("SIGKILL");
    await proc.exited;
    await Bun.sleep(20); // let the drains collect the last output
    const why = "exited" in outcome ? `exited with code ${outcome.exited}` : `not ready after ${READY_TIMEOUT_MS} ms`;
    throw new Error(`${this.kind} on port ${this.port} ${why}; its output:\n${this.tail.trim() || "(none)"}`);
  }

  async stop(): Promise<void> {
    await this.halt();
    this.cleanUp();
  }

  kill(): void {
    this.proc?.kill("SIGKILL");
  }

  async restart(): Promise<void> {
    await this.halt();
    await this.start();
  }

  /** Synchronous last resort: SIGKILL the child and remove an owned temp dir. */
  cleanUp(): void {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
    if (this.ownsDir) rmSync(this.dataDir, { recursive: true, force: true });
    live.delete(this);
  }

  /** SIGTERM, wait, SIGKILL after the grace period; resolves once the process is gone. */
  private async halt(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
      await proc.exited;
      clearTimeout(timer);
    }
    await proc.exited;
  }

  /** Reads a child stream to its end, keeping a tail for error messages (the pipe must not fill up). */
  private async drain(
    stream: ReadableStream<Uint8Array>,
    keep: boolean,
    onLine?: (line: string) => void,
  ): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        if (this.echo && keep) process.stderr.write(text);
        if (keep) this.tail = (this.tail + text).slice(-TAIL_BYTES);
        if (onLine) {
          pending += text;
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          for (const line of lines) onLine(line.trim());
        }
      }
    } catch {
      // The child went away mid-read; nothing more to collect.
    }
  }
}

/** Polls a TCP connect to 127.0.0.1:port until it succeeds, the child dies or the deadline passes. */
async function waitForPort(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    const open = await new Promise<boolean>((ok) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), ok(true)));
      socket.once("error", () => (socket.destroy(), ok(false)));
    });
    if (open) return;
    await Bun.sleep(100);
  }
  // Never resolves: the caller's own timeout reports the failure with the output.
  await new Promise(() => {});
}
