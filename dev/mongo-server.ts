/**
 * The MongoDB-wire server the tests, the demo and the benchmarks use (design: "The
 * databases the tests use"). Order of choice: `MONGODB_URI` if set; the kind named by
 * `MONGO_SERVER_KIND` (or the `kind` option); a `mongod` on PATH; otherwise
 * {@link DEFAULT_LOCAL_KIND}. The two kinds we build ourselves (dev/mongo-launchers.ts):
 *
 * - `java`: de.bwaldvogel:mongo-java-server, memory backend — MongoDB's cost shape
 *   (an update by `_id` is a hash lookup), no data kept across a restart;
 * - `ferretdb`: FerretDB v1.24.2 on SQLite — a real database on disk, but every
 *   update by `_id` scans its table.
 *
 * Runs under Bun (Bun.spawn, Bun.which); never imported by production code.
 */
import { connect, createServer } from "node:net";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { ensureLauncher, type LauncherKind } from "./mongo-launchers.ts";

export { ensureFerretLauncher, ensureLauncher } from "./mongo-launchers.ts";

/** A server this module can start. */
export type LocalKind = "mongod" | LauncherKind;

/**
 * The local server when neither `MONGODB_URI`, `MONGO_SERVER_KIND` nor a mongod on
 * PATH decides: mongo-java-server. Measured on this machine (README, "MongoDB and
 * FerretDB"): the runner suite runs faster on it and its costs have MongoDB's shape,
 * which FerretDB's per-update table scans do not.
 */
export const DEFAULT_LOCAL_KIND: LauncherKind = "java";

/** A running (or external) MongoDB-wire server. */
export interface MongoServer {
  /** `mongodb://host:port/`, without a database name: callers pick their own. */
  uri: string;
  kind: "external" | LocalKind;
  /** Whether restart() finds the data again: false for `java` (memory) and `external` (not ours to restart). */
  keepsData: boolean;
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
  /** Data directory, kept on stop(); default: a fresh temp dir removed on stop(). Unused by `java`. */
  dataDir?: string;
  /** Ignore `MONGODB_URI` and start a local server. */
  forceEmbedded?: boolean;
  /** Which local server to start; overrides `MONGO_SERVER_KIND` and the PATH lookup. */
  kind?: LocalKind;
  /**
   * Server log level: error | warn | info | debug. When given (here or via the
   * `MONGO_LOG_LEVEL` env), the server's logs are echoed to our stderr; otherwise they
   * are only kept to explain a failed start. FerretDB logs every failed command at
   * warn, including the `endSessions` each driver sends on close, hence the default.
   */
  logLevel?: string;
  /**
   * The JVM's heap for the `java` kind (`-Xmx`, e.g. "6g"); also `MONGO_JAVA_HEAP`. Its
   * memory backend holds every document as Java objects: a million users need gigabytes.
   * @default the JVM's own (a quarter of the machine's memory)
   */
  javaHeap?: string;
}

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

const KIND_NAMES: Record<string, LocalKind> = {
  mongod: "mongod",
  ferretdb: "ferretdb",
  java: "java",
  // The and the bench's words for the same server.
  "mongo-java-server": "java",
  fast: "java",
};

/**
 * Which local server to start, from `MONGO_SERVER_KIND` (`java` | `mongo-java-server`
 * | `fast` | `ferretdb` | `mongod`; empty = not set) and whether a mongod is on PATH.
 *
 * @throws {Error} naming MONGO_SERVER_KIND when its value is unknown, or is `mongod` without one on PATH
 *
 * @example
 * ```ts
 * chooseLocalKind(undefined, false);  // DEFAULT_LOCAL_KIND
 * chooseLocalKind(undefined, false, false);  // "ferretdb": no java or mvn on PATH
 * chooseLocalKind(undefined, true);   // "mongod"
 * chooseLocalKind("ferretdb", true);  // "ferretdb"
 * ```
 */
export function chooseLocalKind(
  wanted: string | undefined,
  mongodOnPath: boolean,
  javaToolsOnPath = true,
): LocalKind {
  if (wanted === undefined || wanted.trim() === "") {
    if (mongodOnPath) return "mongod";
    // A machine with only Node.js and Go (the quick start's) still gets a server.
    return javaToolsOnPath ? DEFAULT_LOCAL_KIND : "ferretdb";
  }
  const kind = KIND_NAMES[wanted.trim().toLowerCase()];
  if (kind === undefined) {
    throw new Error(
      `MONGO_SERVER_KIND=${wanted} is not a server kind: use ${
        Object.keys(KIND_NAMES).join(" | ")
      }`,
    );
  }
  if (kind === "mongod" && !mongodOnPath) {
    throw new Error("MONGO_SERVER_KIND=mongod but no mongod on PATH");
  }
  return kind;
}

/**
 * Starts (or adopts) a MongoDB-wire server; see the module doc for the order of
 * choice. `MONGO_SERVER_KIND` (see {@link chooseLocalKind}) overrides the PATH
 * lookup, e.g. to test on FerretDB on a machine that has a mongod.
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

  const mongod = Bun.which("mongod");
  const javaTools = Bun.which("java") !== null && Bun.which("mvn") !== null;
  const kind = opts.kind ??
    chooseLocalKind(process.env.MONGO_SERVER_KIND, mongod !== null, javaTools);
  if (kind === "mongod" && mongod === null) {
    throw new Error("kind mongod asked for, but no mongod on PATH");
  }
  const launcher = kind === "mongod" ? [mongod!] : await ensureLauncher(kind);
  const heap = opts.javaHeap ?? process.env.MONGO_JAVA_HEAP;
  if (heap !== undefined && heap !== "" && !/^\d+[kmgKMG]?$/.test(heap)) {
    throw new RangeError(`MONGO_JAVA_HEAP=${heap}: a size such as 6g or 4096m`);
  }
  // `java -Xmx… -jar …`: the heap flag goes before -jar.
  const command = kind === "java" && heap
    ? [launcher[0]!, `-Xmx${heap}`, ...launcher.slice(1)]
    : launcher;

  const echo = opts.logLevel !== undefined || process.env.MONGO_LOG_LEVEL !== undefined;
  const logLevel = opts.logLevel ?? process.env.MONGO_LOG_LEVEL ?? "warn";
  // The memory server has no data dir; the others get the given one or a temp one.
  const ownsDir = opts.dataDir === undefined && kind !== "java";
  if (ownsDir) sweepOrphanDirs();
  const dataDir = kind === "java"
    ? ""
    : (opts.dataDir ?? mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`)));
  if (dataDir !== "") mkdirSync(dataDir, { recursive: true });

  // Port 0 works with our launchers (they report the bound port), which avoids the
  // race between freePort() and the bind; mongod needs a port up front.
  const port = opts.port ?? (kind === "mongod" ? await freePort() : 0);
  const server = new LocalServer(kind, command, port, dataDir, ownsDir, logLevel, echo);
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
    throw new Error(
      `${what}() is not possible on an external server (MONGODB_URI); use forceEmbedded`,
    );
  };
  return {
    uri,
    kind: "external",
    keepsData: false,
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
    readonly kind: LocalKind,
    private readonly command: string[],
    private port: number,
    private readonly dataDir: string,
    private readonly ownsDir: boolean,
    private readonly logLevel: string,
    private readonly echo: boolean,
  ) {}

  get keepsData(): boolean {
    return this.kind !== "java";
  }

  private args(): string[] {
    const listen = [
      "-listen",
      `127.0.0.1:${this.port}`,
      "-log-level",
      this.logLevel,
      "-exit-on-stdin-eof",
    ];
    if (this.kind === "ferretdb") return [...listen, "-dir", this.dataDir];
    if (this.kind === "java") return listen;
    return [
      "--dbpath",
      this.dataDir,
      "--port",
      String(this.port),
      "--bind_ip",
      "127.0.0.1",
      "--nounixsocket",
      "--quiet",
    ];
  }

  async start(): Promise<void> {
    this.tail = "";
    const proc = Bun.spawn([...this.command, ...this.args()], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
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

    const ready = this.kind !== "mongod"
      ? readyLine
      // mongod prints JSON logs and no ready line: wait until the port accepts.
      : waitForPort(this.port, READY_TIMEOUT_MS, () => proc.exitCode === null).then(() =>
        `mongodb://127.0.0.1:${this.port}/`
      );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      ready.then((uri) => ({ uri })),
      proc.exited.then((code) => ({ exited: code })),
      new Promise<{ timeout: true }>((
        ok,
      ) => (timer = setTimeout(() => ok({ timeout: true }), READY_TIMEOUT_MS))),
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
    const why = "exited" in outcome
      ? `exited with code ${outcome.exited}`
      : `not ready after ${READY_TIMEOUT_MS} ms`;
    throw new Error(
      `${this.kind} on port ${this.port} ${why}; its output:\n${this.tail.trim() || "(none)"}`,
    );
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
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill("SIGKILL");
    }
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
