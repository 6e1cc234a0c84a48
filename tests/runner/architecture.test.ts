// The house rules of design.md ("Never: …") and issue #10, read from the sources
// themselves with the TypeScript parser: who may import whom, and how long a function
// may grow. Each failure lists every violation (file:line), not just the first.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(import.meta.dir, "../..");
const SOURCE_ROOTS = ["runner", "shared", "edge"];
const MAX_FUNCTION_LINES = 80;

interface SourceFile {
  /** Path from the project root, with forward slashes: "runner/sync/diff.ts". */
  path: string;
  ast: ts.SourceFile;
}

interface ImportEdge {
  from: string;
  line: number;
  /** The specifier as written: "mongodb", "../store/mongo.ts". */
  specifier: string;
  /** Project-relative path for a relative specifier, undefined for a package. */
  target?: string;
  typeOnly: boolean;
}

function sourcesUnder(dir: string): string[] {
  const entries = readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" });
  return entries.filter((e) => /\.tsx?$/.test(e) && !e.endsWith(".d.ts")).map((e) => `${dir}/${e}`);
}

function parse(path: string): SourceFile {
  const text = readFileSync(join(ROOT, path), "utf8");
  const kind = path.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return { path, ast: ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind) };
}

const FILES: SourceFile[] = SOURCE_ROOTS.flatMap(sourcesUnder).sort().map(parse);

function lineOf(ast: ts.SourceFile, node: ts.Node): number {
  return ast.getLineAndCharacterOfPosition(node.getStart(ast)).line + 1;
}

/**
 * Every module reference in a file: static imports and re-exports (type-only ones too),
 * `import x = require()`, dynamic `import()`, and `import("…")` types.
 */
function importsOf(file: SourceFile): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined, typeOnly: boolean) => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const specifier = literal.text;
    const target = specifier.startsWith(".")
      ? relative(ROOT, resolve(ROOT, dirname(file.path), specifier)).split("\\").join("/")
      : undefined;
    edges.push({ from: file.path, line: lineOf(file.ast, node), specifier, target, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (
      ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)
    ) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return edges;
}

const EDGES: ImportEdge[] = FILES.flatMap(importsOf);

const within = (path: string | undefined, dir: string) =>
  path !== undefined && path.startsWith(`${dir}/`);
const isMongo = (specifier: string) => /^(npm:)?mongodb(@[^/]*)?(\/|$)/.test(specifier);
const describeEdge = (e: ImportEdge) =>
  `${e.from}:${e.line} imports ${e.typeOnly ? "type " : ""}"${e.specifier}"`;

/** The violations of one rule, one line each, so a failure shows them all. */
function violations(rule: (e: ImportEdge) => boolean): string[] {
  return EDGES.filter(rule).map(describeEdge);
}

/**
 * The folder a runner module belongs to for the cycle check: its first folder under
 * runner/ ("runner/store"), or the file itself for a top-level module ("runner/config.ts"),
 * since the top-level files are unrelated concepts, not one package.
 */
function runnerUnit(path: string): string {
  const parts = path.split("/");
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : path;
}

/** Strongly connected components (Tarjan) with more than one member, or a self-loop. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) connect(v);
  return found;
}

/** Each folder-level cycle, with the imports that close it, for the failure message. */
function runnerFolderCycles(): string[] {
  const graph = new Map<string, Set<string>>();
  const witnesses = new Map<string, ImportEdge>();
  for (const e of EDGES) {
    if (!within(e.from, "runner") || !within(e.target, "runner")) continue;
    const a = runnerUnit(e.from);
    const b = runnerUnit(e.target!);
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
    if (!witnesses.has(`${a}->${b}`)) witnesses.set(`${a}->${b}`, e);
  }
  return cycles(graph).map((members) => {
    const inside = new Set(members);
    const links = [...witnesses.entries()]
      .filter(([key]) => {
        const [a, b] = key.split("->") as [string, string];
        return inside.has(a) && inside.has(b);
      })
      .map(([key, e]) => `    ${key}  (${describeEdge(e)})`);
    return `cycle among ${members.join(", ")}:\n${links.join("\n")}`;
  });
}

interface LongFunction {
  path: string;
  line: number;
  name: string;
  lines: number;
}

function functionName(node: ts.Node, ast: ts.SourceFile): string {
  const named = (node as { name?: ts.Node }).name;
  if (named) return named.getText(ast);
  const parent = node.parent;
  if (
    ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) ||
    ts.isPropertyDeclaration(parent)
  ) {
    return parent.name.getText(ast);
  }
  if (ts.isCallExpression(parent)) {
    return `<callback of ${parent.expression.getText(ast).slice(0, 40)}()>`;
  }
  if (ts.isExportAssignment(parent)) return "<default export>";
  return "<anonymous>";
}

const isFunctionLike = (n: ts.Node) =>
  ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) ||
  ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) ||
  ts.isSetAccessorDeclaration(n);

/** A `// long: <reason>` comment on the line directly above, with a reason after the colon. */
function excused(ast: ts.SourceFile, startLine: number): boolean {
  const above = ast.text.split("\n")[startLine - 2] ?? "";
  return /^\s*\/\/\s*long:\s*\S/.test(above);
}

function longFunctions(file: SourceFile): LongFunction[] {
  const found: LongFunction[] = [];
  const visit = (node: ts.Node) => {
    if (isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const start = lineOf(file.ast, node);
      const end = file.ast.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      const lines = end - start + 1;
      if (lines > MAX_FUNCTION_LINES && !excused(file.ast, start)) {
        found.push({ path: file.path, line: start, name: functionName(node, file.ast), lines });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return found;
}

describe("architecture: imports", () => {
  test("the scan finds the sources and their imports (so the rules below cannot pass on nothing)", () => {
    for (const root of SOURCE_ROOTS) {
      expect(FILES.some((f) => f.path.startsWith(`${root}/`))).toBe(true);
    }
    expect(EDGES.some((e) => e.specifier === "mongodb" && within(e.from, "runner/store"))).toBe(
      true,
    );
    expect(EDGES.some((e) => within(e.from, "edge") && within(e.target, "shared"))).toBe(true);
  });

  test("shared/ imports nothing from edge/ or runner/", () => {
    expect(
      violations((e) =>
        within(e.from, "shared") && (within(e.target, "edge") || within(e.target, "runner"))
      ),
    )
      .toEqual([]);
  });

  test("edge/ imports nothing from runner/ and never mongodb", () => {
    expect(
      violations((e) =>
        within(e.from, "edge") && (within(e.target, "runner") || isMongo(e.specifier))
      ),
    )
      .toEqual([]);
  });

  test("runner/ imports nothing from edge/", () => {
    expect(violations((e) => within(e.from, "runner") && within(e.target, "edge"))).toEqual([]);
  });

  test("only runner/store/ imports mongodb, type imports included", () => {
    expect(violations((e) => isMongo(e.specifier) && !within(e.from, "runner/store"))).toEqual([]);
  });

  test("runner/store/ and runner/sync/ do not import each other", () => {
    expect(violations((e) =>
      (within(e.from, "runner/store") && within(e.target, "runner/sync")) ||
      (within(e.from, "runner/sync") && within(e.target, "runner/store"))
    )).toEqual([]);
  });

  test("runner/'s folders import each other without a cycle", () => {
    expect(runnerFolderCycles()).toEqual([]);
  });

  test("cycles() finds a cycle in a graph that has one and none in one that has not", () => {
    const graph = (pairs: [string, string][]) => {
      const g = new Map<string, Set<string>>();
      for (const [a, b] of pairs) {
        if (!g.has(a)) g.set(a, new Set());
        g.get(a)!.add(b);
      }
      return g;
    };
    expect(cycles(graph([["a", "b"], ["b", "c"], ["c", "a"], ["c", "d"]]))).toEqual([[
      "a",
      "b",
      "c",
    ]]);
    expect(cycles(graph([["a", "b"], ["b", "c"], ["a", "c"]]))).toEqual([]);
  });
});

describe("architecture: function length", () => {
  test(`no function in runner/, shared/ or edge/ is over ${MAX_FUNCTION_LINES} lines without a "// long: <reason>" above it`, () => {
    const found = FILES.flatMap(longFunctions).map((f) =>
      `${f.path}:${f.line} ${f.name} ${f.lines} lines`
    );
    expect(found).toEqual([]);
  });

  test("longFunctions() flags an 81-line function and spares one with a reason above it", () => {
    const body = Array.from({ length: 79 }, (_, i) => `  const v${i} = ${i};`).join("\n");
    const text =
      `function big() {\n${body}\n}\n// long: one table, read top to bottom\nconst ok = () => {\n${body}\n};\n`;
    const ast = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    expect(longFunctions({ path: "x.ts", ast })).toEqual([{
      path: "x.ts",
      line: 1,
      name: "big",
      lines: 81,
    }]);
  });
});
