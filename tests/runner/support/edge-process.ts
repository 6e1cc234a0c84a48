/**
 * Test support: the edge as `deno task edge` runs it (`deno run edge/main.ts`), in its own
 * process, with its output kept line by line for assertions.
 */
import { resolve } from "node:path";
import type { Subprocess } from "bun";
import { pumpLines, waitFor } from "./runner-process.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const DENO = resolve(ROOT, "node_modules/.bin/deno");

/** A running edge: its process, its URL and every line it printed so far. */
export interface EdgeProcess {
  proc: Subprocess;
  url: string;
  lines: string[];
}

/**
 * Starts the edge with exactly `env` (plus PATH, HOME, DENO_DIR) and waits for its
 * `ready <url>` line.
 *
 * @throws {Error} with the edge's output when it does not listen within 60 s
 * @example
 * ```ts
 * const edge = await startEdge({ PORT: "0", SCIM_WEBHOOK_SECRET: secret, INGEST_SECRET: ingest });
 * edge.proc.kill();
 * ```
 */
export async function startEdge(env: Record<string, string>): Promise<EdgeProcess> {
  const proc = Bun.spawn([DENO, "run", "--allow-net", "--allow-env", "edge/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: string[] = [];
  void pumpLines(proc.stdout, lines);
  void pumpLines(proc.stderr, lines);
  const ready = await waitFor(
    () => lines.map((l) => /^ready (\S+)/.exec(l)?.[1]).find(Boolean),
    60_000,
    "the edge to listen",
    50,
  ).catch((e) => {
    proc.kill();
    throw new Error(`${e}\n${lines.join("\n")}`);
  });
  return { proc, url: ready as string, lines };
}
