/**
 * CPU time of processes on this machine, from `/proc/<pid>/stat`: what each
 * process of a whole path spent during one step of a benchmark, so a rate
 * that stops rising can be read as "the cores are spent" or not.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** Clock ticks a second (`getconf CLK_TCK`; 100 on Linux). */
const TICKS = 100;

/**
 * User + system CPU seconds a process has used so far, or NaN when it is gone
 * or `/proc` is not there.
 *
 * @example
 * ```ts
 * const before = cpuSeconds(process.pid);
 * work();
 * cpuSeconds(process.pid) - before; // seconds of CPU the work took
 * ```
 */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after its ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts measuring named processes; `stop()` gives each one's CPU seconds since.
 *
 * @example
 * ```ts
 * const m = measureCpu({ runner: runnerPid, edge: edgePid });
 * await step();
 * m.stop(); // { runner: 1.9, edge: 0.8 }
 * ```
 */
export function measureCpu(pids: Record<string, number | undefined>) {
  const start = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? NaN : cpuSeconds(pid)]),
  );
  return {
    stop(): Record<string, number> {
      return Object.fromEntries(
        Object.entries(pids).map((
          [name, pid],
        ) => [name, pid === undefined ? NaN : cpuSeconds(pid) - start[name]!]),
      );
    },
  };
}
