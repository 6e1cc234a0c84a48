/**
 * `npm run build`: the runner as one executable, `./scim-sync`, with
 * `bun build --compile` (runner/cli/scim-sync.ts: `start`, `sync`, `purge`).
 * The version of package.json is built in (`scim-sync version`). Build it on
 * the platform it runs on, or pass a Bun target: `npm run build -- --target
 * bun-linux-arm64` (cross-compiling fetches that Bun build, which this
 * machine cannot).
 *
 * @example
 * // shell: npm run build && ./scim-sync sync --dry-run
 * // shell: npm run build -- --outfile /usr/local/bin/scim-sync
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dir, "..");
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { outfile: { type: "string" }, target: { type: "string" } },
  strict: true,
});
const version = (await Bun.file(resolve(ROOT, "package.json")).json()).version as string;
const outfile = resolve(values.outfile ?? resolve(ROOT, "scim-sync"));
const started = performance.now();
const build = Bun.spawn([
  process.execPath,
  "build",
  "--compile",
  "--sourcemap",
  ...(values.target ? [`--target=${values.target}`] : []),
  "--define",
  `SCIM_SYNC_VERSION=${JSON.stringify(version)}`,
  resolve(ROOT, "runner/cli/scim-sync.ts"),
  "--outfile",
  outfile,
], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
const code = await build.exited;
if (code !== 0) process.exit(code);
const size = Bun.file(outfile).size;
console.log(
  `built ${outfile} (scim-sync ${version}, ${(size / 2 ** 20).toFixed(0)} MiB) in ${
    ((performance.now() - started) / 1000).toFixed(1)
  } s`,
);
