/**
 * Commands launched as an operator or a supervisor would (`npm start`,
 * `npm run sync`, the compiled executable), with their output kept line by
 * line and their process tree readable, so a test can signal the process a
 * supervisor signals (npm itself) and then check the Bun process below it.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Subprocess } from "bun";
import { pumpLines } from "./runner-process.ts";

export const ROOT = resolve(import.meta.dir, "../../..");

/** A launched command. */
export interface Launched {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  stdout: string[];
  stderr: string[];
  /** Resolves with the launched process's exit code (npm's, for npm). */
  exited: Promise<number>;
  /** Resolves once a line of stdout or stderr matches. */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
}

/**
 * Starts `argv` in `cwd` (the project's root by default) with `env` (plus PATH and HOME).
 *
 * @example
 * ```ts
 * const npm = launch(["npm", "run", "sync"], env);
 * await npm.line(/Fetching users/);
 * npm.proc.kill("SIGTERM");
 * ```
 */
export function launch(argv: string[], env: Record<string, string>, cwd = ROOT): Launched {
  const proc = Bun.spawn(argv, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiting: { re: RegExp; resolve: (l: string) => void }[] = [];
  const seen = (l: string) => {
    for (const w of waiting.filter((w) => w.re.test(l))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(l);
    }
  };
  // Progress lines are separated by \r on a terminal and \n elsewhere; split on both.
  void pumpLines(proc.stdout, stdout, seen);
  void pumpLines(proc.stderr, stderr, seen);
  return {
    proc,
    stdout,
    stderr,
    exited: proc.exited,
    line(re, timeoutMs = 30_000) {
      const already = [...stdout, ...stderr].find((l) => re.test(l));
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((res, rej) => {
        const timer = setTimeout(
          () =>
            rej(
              new Error(
                `no line matching ${re} in ${timeoutMs} ms:\n${[...stdout, ...stderr].join("\n")}`,
              ),
            ),
          timeoutMs,
        );
        waiting.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            res(l);
          },
        });
      });
    },
  };
}

/** `/proc/<pid>/stat`'s state and parent, or null when the process is gone. */
function stat(pid: number): { state: string; ppid: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: f[0]!, ppid: Number(f[1]) };
  } catch {
    return null;
  }
}

/**
 * The processes below `pid` (children, grandchildren …), with their command lines.
 *
 * @example
 * ```ts
 * const bun = descendants(npm.proc.pid).find((p) => p.cmd.includes("cli/sync.ts"));
 * ```
 */
export function descendants(pid: number): { pid: number; cmd: string }[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) parent.set(Number(name), s.ppid);
  }
  const below = new Set<number>([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, p] of parent) {
      if (below.has(p) && !below.has(child)) {
        below.add(child);
        grew = true;
      }
    }
  }
  below.delete(pid);
  return [...below].map((p) => ({
    pid: p,
    cmd: (() => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" ").trim();
      } catch {
        return "";
      }
    })(),
  }));
}

/**
 * Whether `pid` still runs (a zombie waiting for its reaper counts as exited).
 *
 * @example
 * ```ts
 * isRunning(process.pid); // true
 * ```
 */
export function isRunning(pid: number): boolean {
  const s = stat(pid);
  return s !== null && s.state !== "Z" && s.state !== "X";
}

/**
 * Waits until `find` names a process below `pid`, and returns it.
 *
 * @example
 * ```ts
 * const bun = await childMatching(npm.proc.pid, /runner\/cli\/sync\.ts/);
 * ```
 */
export async function childMatching(pid: number, re: RegExp, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hit = descendants(pid).find((p) => re.test(p.cmd));
    if (hit) return hit;
    if (Date.now() > end) throw new Error(`no process matching ${re} below ${pid}`);
    await Bun.sleep(50);
  }
}

/**
 * Kills `pid` and every process below it (a launcher's children outlive it otherwise).
 *
 * @example
 * ```ts
 * afterAll(() => killTree(npm.proc.pid));
 * ```
 */
export function killTree(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  for (const p of [...descendants(pid)].reverse()) {
    try {
      process.kill(p.pid, signal);
    } catch {
      // already gone
    }
  }
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
