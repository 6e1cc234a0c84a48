/**
 * Noticing that the process which started us is gone. A supervisor signals
 * the process it started: with `npm start` or `npm run sync` that is npm,
 * which does not reliably pass SIGTERM or SIGINT on to its `sh -c` child and
 * its Bun grandchild — npm exits, and the runner would go on alone, holding
 * the lease. So a process launched by npm watches its ancestry: when its
 * parent changes (it was re-parented: the shell died) or its parent's parent
 * changes (npm died, the shell lives on), the launcher is gone and the
 * process stops as it would on SIGTERM.
 *
 * The decision ({@linkcode launcherGone}) is pure; reading the ancestry is
 * Linux's `/proc` (elsewhere only the parent is watched).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { systemEvery } from "../system-time.ts";

/** Who started us: our parent, and our parent's parent where it can be read. */
export interface Ancestry {
  ppid: number;
  /** The parent's parent, or null where `/proc` cannot say. */
  grandPpid: number | null;
}

/**
 * Whether the launcher seen at start is gone: re-parented, or the parent
 * itself re-parented.
 *
 * @example
 * ```ts
 * launcherGone({ ppid: 40, grandPpid: 30 }, { ppid: 1, grandPpid: 0 }); // true (the shell died)
 * launcherGone({ ppid: 40, grandPpid: 30 }, { ppid: 40, grandPpid: 1 }); // true (npm died)
 * launcherGone({ ppid: 40, grandPpid: 30 }, { ppid: 40, grandPpid: 30 }); // false
 * ```
 */
export function launcherGone(atStart: Ancestry, now: Ancestry): boolean {
  if (now.ppid !== atStart.ppid) return true;
  return atStart.grandPpid !== null && now.grandPpid !== null &&
    now.grandPpid !== atStart.grandPpid;
}

/**
 * The parent id of `pid` from `/proc/<pid>/stat`, or null where it cannot be read.
 *
 * @example
 * ```ts
 * parentOf(process.ppid); // 1234, or null off Linux
 * ```
 */
export function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: read after its end.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

/**
 * This process's ancestry now.
 *
 * @example
 * ```ts
 * readAncestry(); // { ppid: 40, grandPpid: 30 }
 * ```
 */
export function readAncestry(): Ancestry {
  const ppid = process.ppid;
  return { ppid, grandPpid: ppid > 1 ? parentOf(ppid) : null };
}

/**
 * Whether this process was started by npm (`npm start`, `npm run …`, `npx`):
 * npm puts `npm_command` in its children's environment. A supervisor or a
 * shell running the executable or `bun` directly is not watched, so a
 * `nohup … &` runner outlives its shell as before.
 *
 * @example
 * ```ts
 * launchedByNpm({ npm_command: "run-script" }); // true
 * ```
 */
export function launchedByNpm(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.npm_command || env.npm_lifecycle_event);
}

/**
 * The ancestry when this module was loaded: as early as the process can look,
 * so a launcher that dies during start-up is still seen to be gone.
 */
const AT_LOAD: Ancestry = readAncestry();

/** Options of {@linkcode watchLauncher}. */
export interface LauncherWatchOptions {
  /** Called once, when the launcher is gone. */
  onGone: () => void;
  /** How often to look. @default 250 */
  everyMs?: number;
  /** @default readAncestry */
  read?: () => Ancestry;
  /** What "the launcher" is compared against. @default the ancestry when the process loaded this module */
  atStart?: Ancestry;
}

/**
 * Looks at the ancestry every `everyMs` until the launcher is gone, then
 * calls `onGone` once. The timer does not keep the process alive.
 *
 * @returns a function that stops watching
 * @example
 * ```ts
 * const stop = watchLauncher({ onGone: () => shutdown("launcher gone") });
 * ```
 */
export function watchLauncher(options: LauncherWatchOptions): () => void {
  const read = options.read ?? readAncestry;
  const atStart = options.atStart ?? (options.read ? read() : AT_LOAD);
  const stop = systemEvery(options.everyMs ?? 250, () => {
    if (!launcherGone(atStart, read())) return;
    stop();
    options.onGone();
  });
  return stop;
}
