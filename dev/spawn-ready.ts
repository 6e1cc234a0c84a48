/**
 * Spawning a service process and waiting for its `ready <url>` line, the
 * convention of the development SSO, the runner and the edge.
 *
 * @module
 */
import type { Subprocess } from "bun";

export interface ReadyProcess {
  url: string;
  proc: Subprocess;
  stop(): Promise<void>;
}

/**
 * Starts `cmd` and resolves once it prints `ready <url>` on stdout; the rest of
 * its stdout and its stderr are passed through (prefixed) when `echo` is true.
 *
 * @throws {Error} with the process's output when it exits or times out first
 *
 * @example
 * ```ts
 * const sso = await spawnReady(["bun", "dev/sso/main.ts"], { SSO_PORT: "0" }, { name: "sso" });
 * await sso.stop();
 * ```
 */
export async function spawnReady(
  cmd: string[],
  env: Record<string, string | undefined>,
  opts: {
    name: string;
    echo?: boolean;
    timeoutMs?: number;
    cwd?: string;
    /** The line that says it is ready, its URL in group 1 (a third-party server's own). @default /ready (\S+)/ */
    ready?: RegExp;
  },
): Promise<ReadyProcess> {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: { ...process.env, ...env } as Record<string, string>,
    stdout: "pipe",
    stderr: opts.echo ? "inherit" : "pipe",
  });
  // Unread, a chatty child's stderr pipe fills and blocks it: keep only a tail for errors.
  let errTail = "";
  const errDrained = opts.echo ? Promise.resolve() : (async () => {
    const errDecoder = new TextDecoder();
    const errReader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { value, done } = await errReader.read();
      if (done) return;
      errTail = (errTail + errDecoder.decode(value, { stream: true })).slice(-4_000);
    }
  })().catch(() => {});
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let out = "";
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let url: string | null = null;
  while (url === null) {
    let timerId: ReturnType<typeof setTimeout> | undefined;
    const timer = new Promise<"timeout">((
      r,
    ) => (timerId = setTimeout(() => r("timeout"), Math.max(1, deadline - Date.now()))));
    const chunk = await Promise.race([reader.read(), timer]);
    // A pending timer keeps the event loop alive: left running, it held every
    // benchmark's process open for the rest of timeoutMs (120 s) after its work was done.
    clearTimeout(timerId);
    if (chunk === "timeout" || chunk.done) {
      proc.kill();
      await proc.exited;
      await errDrained;
      throw new Error(`${opts.name} did not become ready: ${out}${errTail}`.slice(0, 2000));
    }
    out += decoder.decode(chunk.value, { stream: true });
    url = (opts.ready ?? /ready (\S+)/).exec(out)?.[1] ?? null;
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      if (opts.echo) process.stdout.write(decoder.decode(value));
    }
  })();
  return {
    url,
    proc,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await proc.exited;
      clearTimeout(t);
    },
  };
}
