/**
 * The gate that runs before the tests (as octokit's `"pretest": "npm run -s lint"`):
 * one formatter over every TypeScript file of the project, and the type check of both
 * runtimes. Each check is one counted item; the closing lines are bun's (`N pass`,
 * `N fail`), so scripts/test.ts reads them like any other group.
 *
 * @example
 * // shell: npm test -- gate      only the gate
 * // shell: npx deno fmt          fix what the format check finds
 */
import { delimiter, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const BIN = join(ROOT, "node_modules", ".bin");

const CHECKS: { name: string; cmd: string[]; fix: string }[] = [
  { name: "format (deno fmt --check)", cmd: ["deno", "fmt", "--check"], fix: "run `npx deno fmt`" },
  {
    name: "types, Bun side (tsc --noEmit)",
    cmd: ["tsc", "--noEmit", "-p", "."],
    fix: "fix the errors above",
  },
  {
    name: "types, Deno side (deno check)",
    cmd: ["deno", "check", "--quiet", "edge/main.ts", "shared/"],
    fix: "fix the errors above",
  },
];

let pass = 0;
let fail = 0;
for (const check of CHECKS) {
  const started = performance.now();
  const proc = Bun.spawn(check.cmd, {
    cwd: ROOT,
    env: { ...process.env, PATH: [BIN, process.env.PATH ?? ""].join(delimiter), NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  const ms = Math.round(performance.now() - started);
  if (code === 0) {
    pass++;
    console.log(`(pass) gate > ${check.name} [${ms}ms]`);
  } else {
    fail++;
    // Only the first lines: a format check of an unformatted tree prints every diff.
    const text = `${out}${err}`.trim().split("\n");
    console.log(text.slice(0, 60).join("\n"));
    if (text.length > 60) console.log(`… ${text.length - 60} more lines`);
    console.log(`(fail) gate > ${check.name} [${ms}ms]: ${check.fix}`);
  }
}
console.log(`\n ${pass} pass\n ${fail} fail`);
process.exit(fail > 0 ? 1 : 0);
