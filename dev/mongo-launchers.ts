/**
 * The two local MongoDB-wire servers we build ourselves, each once into
 * `.cache/bin/` and again only when its sources change:
 *
 * - `ferretdb`: FerretDB v1.24.2 on SQLite, embedded in dev/ferretdb/main.go (Go);
 * - `java`: de.bwaldvogel:mongo-java-server 1.47.0 with its memory backend, started
 *   by dev/mongo-java/ (Maven, one shaded jar).
 *
 * Both take `-listen host:port -log-level L -exit-on-stdin-eof` and print
 * `ready mongodb://host:port/` once bound. Runs under Bun; never imported by
 * production code.
 *
 * @module
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/** A server kind whose launcher we build. */
export type LauncherKind = "ferretdb" | "java";

const REPO_ROOT = resolve(import.meta.dir, "..");
const CACHE = join(REPO_ROOT, ".cache");
const FERRET_SRC = join(REPO_ROOT, "dev", "ferretdb");
const FERRET_BIN = join(CACHE, "bin", "ferretdb-launcher");
const JAVA_SRC = join(REPO_ROOT, "dev", "mongo-java");
const JAVA_JAR = join(CACHE, "bin", "mongo-java-launcher.jar");

const building = new Map<LauncherKind, Promise<string>>();

/**
 * Builds the launcher of `kind` unless its output is newer than its sources, and
 * returns the command that starts it (arguments follow). Concurrent callers in one
 * process share one build; a build lands by rename, so a concurrent process never
 * sees half a binary.
 *
 * @throws {Error} naming the missing tool (go, mvn, java) or with the build's output
 *
 * @example
 * ```ts
 * const cmd = await ensureLauncher("java"); // ["/usr/bin/java", "-jar", ".../mongo-java-launcher.jar"]
 * Bun.spawn([...cmd, "-listen", "127.0.0.1:0", "-exit-on-stdin-eof"], { stdin: "pipe", stdout: "pipe" });
 * ```
 */
export async function ensureLauncher(kind: LauncherKind): Promise<string[]> {
  let build = building.get(kind);
  if (build === undefined) {
    build = (kind === "ferretdb" ? buildFerret() : buildJava()).finally(() =>
      building.delete(kind)
    );
    building.set(kind, build);
  }
  const target = await build;
  return kind === "ferretdb" ? [target] : [need("java", "Install a JDK >= 17"), "-jar", target];
}

/**
 * Why the launcher of `kind` cannot be had on this machine, or null when it can: built
 * and fresh, or its build tools on PATH. Tests that start a server of their own kind
 * skip with this reason instead of failing in a hook.
 *
 * @example
 * ```ts
 * launcherUnavailable("ferretdb"); // null, or "go is not on PATH to build the FerretDB launcher"
 * ```
 */
export function launcherUnavailable(kind: LauncherKind): string | null {
  if (kind === "ferretdb") {
    const sources = ["main.go", "go.mod", "go.sum"].map((f) => join(FERRET_SRC, f));
    if (isFresh(FERRET_BIN, sources) || Bun.which("go") !== null) return null;
    return "go is not on PATH to build the FerretDB launcher";
  }
  if (Bun.which("java") === null) return "java is not on PATH to run mongo-java-server";
  const sources = [join(JAVA_SRC, "pom.xml"), ...filesUnder(join(JAVA_SRC, "src"))];
  if (isFresh(JAVA_JAR, sources) || Bun.which("mvn") !== null) return null;
  return "mvn is not on PATH to build the mongo-java-server launcher";
}

/**
 * Builds the FerretDB launcher (about a minute cold on two cores) and returns its path.
 *
 * @example
 * ```ts
 * const bin = await ensureFerretLauncher(); // ".../.cache/bin/ferretdb-launcher"
 * ```
 */
export async function ensureFerretLauncher(): Promise<string> {
  const [bin] = await ensureLauncher("ferretdb");
  return bin!;
}

async function buildFerret(): Promise<string> {
  const sources = ["main.go", "go.mod", "go.sum"].map((f) => join(FERRET_SRC, f));
  if (isFresh(FERRET_BIN, sources)) return FERRET_BIN;
  const go = need("go", "Install Go >= 1.24");
  const tmp = `${FERRET_BIN}.tmp-${process.pid}`;
  await run("the FerretDB launcher (.cache/bin/ferretdb-launcher, ~1 min the first time)", [
    go,
    "build",
    "-o",
    tmp,
    ".",
  ], {
    cwd: FERRET_SRC,
    // -mod=mod lets go.sum be completed on a machine whose module cache lacks an
    // entry; -buildvcs=false avoids git "dubious ownership" failures in CI.
    env: { ...process.env, GOFLAGS: "-mod=mod -buildvcs=false" },
    onFailure: () => rmSync(tmp, { force: true }),
  });
  renameSync(tmp, FERRET_BIN);
  return FERRET_BIN;
}

async function buildJava(): Promise<string> {
  const sources = [join(JAVA_SRC, "pom.xml"), ...filesUnder(join(JAVA_SRC, "src"))];
  if (isFresh(JAVA_JAR, sources)) return JAVA_JAR;
  const mvn = need("mvn", "Install Maven >= 3.8");
  need("java", "Install a JDK >= 17");
  // A build directory per process (the pom's default is .cache/mongo-java-build).
  const buildDir = join(CACHE, `mongo-java-build-${process.pid}`);
  await run(
    "the mongo-java-server launcher (.cache/bin/mongo-java-launcher.jar, ~10 s plus downloads the first time)",
    [
      mvn,
      "-B",
      "-q",
      "package",
      `-Dlauncher.buildDir=${buildDir}`,
    ],
    {
      cwd: JAVA_SRC,
      env: process.env,
      onFailure: () => rmSync(buildDir, { recursive: true, force: true }),
    },
  );
  renameSync(join(buildDir, "mongo-java-launcher.jar"), JAVA_JAR);
  rmSync(buildDir, { recursive: true, force: true });
  return JAVA_JAR;
}

/** Runs one build command with its output kept for the error, and reports the time it took. */
async function run(
  what: string,
  cmd: string[],
  opts: { cwd: string; env: Record<string, string | undefined>; onFailure: () => void },
): Promise<void> {
  process.stderr.write(`mongo: building ${what}…\n`);
  const started = performance.now();
  mkdirSync(join(CACHE, "bin"), { recursive: true });
  const proc = Bun.spawn(cmd, { cwd: opts.cwd, env: opts.env, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) {
    opts.onFailure();
    throw new Error(`mongo: building ${what} failed (${cmd[0]} exit ${code}):\n${out}${err}`);
  }
  process.stderr.write(`mongo: built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

function need(tool: string, hint: string): string {
  const path = Bun.which(tool);
  if (path === null) {
    throw new Error(
      `mongo: \`${tool}\` is not on PATH. ${hint}, put a mongod on PATH, or set MONGODB_URI.`,
    );
  }
  return path;
}

function isFresh(target: string, sources: string[]): boolean {
  const built = mtime(target);
  return built !== undefined && sources.every((s) => (mtime(s) ?? 0) <= built);
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => join(dir, f));
  } catch {
    return [];
  }
}

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
