/**
 * Real `bun runner/main.ts` processes for the daemon tests: started with an
 * environment, ready once they print `ready http://…`, their output kept for
 * assertions and for the failure message.
 *
 * @module
 */
import { resolve } from "node:path";
import type { Subprocess } from "bun";

const ROOT = resolve(import.meta.dir, "../../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");

/** A running runner process. */
export interface RunnerProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** `http://127.0.0.1:PORT` once ready. */
  url: string;
  /** Every line printed so far (stdout and stderr). */
  lines: string[];
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** Sends a signal by this process's id. */
  signal(sig: "SIGTERM" | "SIGINT" | "SIGKILL"): void;
}

/**
 * Collects a process's output line by line into `lines`, calling `onLine` for each.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * void pumpLines(proc.stdout, lines);
 * ```
 */
export async function pumpLines(
  stream: ReadableStream<Uint8Array>,
  lines: string[],
  onLine: (l: string) => void = () => {},
) {
  const decoder = new TextDecoder();
  let buf = "";
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      onLine(line);
    }
  }
  if (buf) lines.push(buf);
}

/**
 * Starts a runner and waits until it listens.
 *
 * @example
 * ```ts
 * const r = await startRunner({ MONGODB_URI: uri, MONGODB_DB: "t_x", SSO_BASE_URL: sso.url, ... });
 * await fetch(`${r.url}/health`);
 * r.signal("SIGTERM");
 * expect(await r.exited).toBe(0);
 * ```
 */
export async function startRunner(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<RunnerProcess> {
  const proc = Bun.spawn([BUN, "runner/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      HOST: "127.0.0.1",
      PORT: "0",
      // Pacing lifted unless a test asks for it: the tests measure behaviour, not the allowance.
      SCIM_RATE_LIMIT: "100000",
      ...env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: string[] = [];
  let onReady: (url: string) => void = () => {};
  const ready = new Promise<string>((r) => (onReady = r));
  const watch = (line: string) => {
    const m = /^ready (http:\/\/\S+)/.exec(line);
    if (m) onReady(m[1]!);
  };
  void pumpLines(proc.stdout, lines, watch);
  void pumpLines(proc.stderr, lines, watch);
  const exited = proc.exited;
  const url = await Promise.race([
    ready,
    exited.then((code) =>
      Promise.reject(new Error(`runner exited ${code} before ready:\n${lines.join("\n")}`))
    ),
    Bun.sleep(timeoutMs).then(() =>
      Promise.reject(new Error(`runner not ready in ${timeoutMs} ms:\n${lines.join("\n")}`))
    ),
  ]);
  return { proc, url, lines, exited, signal: (sig) => proc.kill(sig) };
}

/**
 * Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`.
 *
 * @example
 * ```ts
 * const doc = await waitFor(() => history.findOne({ status: "success" }), 10_000, "a successful sync");
 * ```
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== null && v !== false) return v as T;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}
