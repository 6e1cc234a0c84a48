// shared/ and edge/ run on Deno Deploy, Deno and Bun: no runtime-specific API
// may creep in. edge/main.ts alone may touch Deno.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "node:test";

const ROOT = new URL("../..", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

/** The code without comments, so prose that names `process` is not a violation. */
function code(path: string): string {
  return readFileSync(path, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(
    /(^|[^:"'`])\/\/.*$/gm,
    "$1",
  );
}

const FORBIDDEN: [RegExp, string][] = [
  [/\bBun\s*\./, "Bun.*"],
  [/["']bun(:[\w-]+)?["']/, "a bun module"],
  [/["']node:[\w/]+["']/, "a node: module"],
  [/\brequire\s*\(/, "require()"],
  [/\bprocess\s*[.[]/, "process"],
  [/\bBuffer\s*[.(]/, "Buffer"],
  [/["']mongodb["']/, "mongodb"],
];

describe("runtime neutrality", () => {
  const files = [...sources(join(ROOT, "shared")), ...sources(join(ROOT, "edge"))];

  test("the scan finds the modules of shared/ and edge/", () => {
    const names = files.map((f) => relative(ROOT, f));
    for (
      const expected of [
        "shared/signature.ts",
        "shared/standard-webhooks.ts",
        "shared/webhook/app.ts",
        "edge/main.ts",
      ]
    ) {
      assert.ok(names.includes(expected), `${expected} missing from ${names.join(", ")}`);
    }
  });

  test("shared/ and edge/ use no Bun, node:, process, Buffer or mongodb", () => {
    for (const file of files) {
      const src = code(file);
      for (const [pattern, what] of FORBIDDEN) {
        assert.doesNotMatch(src, pattern, `${relative(ROOT, file)} uses ${what}`);
      }
    }
  });

  test("only edge/main.ts touches Deno", () => {
    for (const file of files) {
      if (relative(ROOT, file) === "edge/main.ts") continue;
      assert.doesNotMatch(code(file), /\bDeno\s*\./, `${relative(ROOT, file)} uses Deno`);
    }
    assert.match(code(join(ROOT, "edge/main.ts")), /Deno\.serve\(/);
  });

  test("shared/ imports nothing from edge/ or runner/, and edge/ nothing from runner/", () => {
    for (const file of files) {
      const src = code(file);
      assert.doesNotMatch(
        src,
        /from\s+["'][./]*\/runner\//,
        `${relative(ROOT, file)} imports runner/`,
      );
      if (relative(ROOT, file).startsWith("shared/")) {
        assert.doesNotMatch(
          src,
          /from\s+["'][./]*\/edge\//,
          `${relative(ROOT, file)} imports edge/`,
        );
      }
    }
  });

  test("the scan's patterns catch what they are meant to catch", () => {
    const bad = [
      'import { createHmac } from "node:crypto";',
      "process.env.X",
      "Bun.serve({})",
      'await import("node:fs")',
      "Buffer.from(x)",
    ];
    for (const line of bad) assert.ok(FORBIDDEN.some(([p]) => p.test(line)), line);
    assert.ok(!FORBIDDEN.some(([p]) => p.test('status: "processing"')));
  });
});
