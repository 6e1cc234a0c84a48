/**
 * `bun scripts/openapi.ts`: writes the HTTP contracts generated from the zod
 * schemas: docs/openapi.json (the runner) and docs/openapi-edge.json (the edge).
 * `--check` writes nothing and exits 1 when a committed file differs from what
 * the code generates (tests/runner/http/openapi.test.ts checks the same).
 *
 * @example
 * // shell: bun scripts/openapi.ts           regenerate after changing a route or schema
 * // shell: bun scripts/openapi.ts --check   is the committed contract current?
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runnerOpenApiDocument } from "../runner/http/openapi.ts";
import { edgeOpenApiDocument } from "../shared/webhook/openapi.ts";

const ROOT = resolve(import.meta.dir, "..");

/**
 * Each contract file: its path under the repository and the text it must hold.
 *
 * @example
 * ```ts
 * for (const f of contractFiles()) console.log(f.path); // docs/openapi.json, docs/openapi-edge.json
 * ```
 */
export function contractFiles(): { path: string; text: string }[] {
  const text = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;
  return [
    { path: "docs/openapi.json", text: text(runnerOpenApiDocument()) },
    { path: "docs/openapi-edge.json", text: text(edgeOpenApiDocument()) },
  ];
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(join(ROOT, path), "utf8");
  } catch {
    return null;
  }
}

if (import.meta.main) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const file of contractFiles()) {
    const same = readOrNull(file.path) === file.text;
    if (check) {
      if (!same) stale++;
      console.log(`${same ? "current" : "STALE  "} ${file.path}`);
    } else {
      writeFileSync(join(ROOT, file.path), file.text);
      console.log(`${same ? "unchanged" : "written  "} ${file.path}`);
    }
  }
  if (stale > 0) console.log("run `bun scripts/openapi.ts` and commit the result");
  process.exit(stale > 0 ? 1 : 0);
}
