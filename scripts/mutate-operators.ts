/**
 * The mutants of one TypeScript source, for scripts/mutate.ts: each a small edit a
 * test suite should notice, found with the TypeScript parser so that only code is
 * touched (never a comment, a string or a type):
 *
 * - a comparison's boundary: `<` ↔ `<=`, `>` ↔ `>=`;
 * - an equality flipped: `===` ↔ `!==`, `==` ↔ `!=`;
 * - a logical operator swapped: `&&` ↔ `||`;
 * - arithmetic swapped: `+` ↔ `-` (not on strings), `*` ↔ `/`, `%` → `*`, `++` ↔ `--`;
 * - a number moved by one: `n` → `n + 1`, and `n - 1` when n > 0;
 * - `true` ↔ `false`; a `!` removed; an `if`'s condition negated;
 * - `Math.max` ↔ `Math.min`, `Math.floor` ↔ `Math.ceil`;
 * - an `await` removed.
 *
 * Pure: text in, mutants out.
 *
 * @module
 */
import ts from "typescript";

/** One mutant: replace `[start, end)` of the source with `replacement`. */
export interface Mutant {
  /** 1-based, in source order. */
  id: number;
  start: number;
  end: number;
  original: string;
  replacement: string;
  /** 1-based line and column of `start`. */
  line: number;
  column: number;
  operator: string;
}

const SWAP: Partial<Record<ts.SyntaxKind, [string, string]>> = {
  [ts.SyntaxKind.LessThanToken]: ["boundary", "<="],
  [ts.SyntaxKind.LessThanEqualsToken]: ["boundary", "<"],
  [ts.SyntaxKind.GreaterThanToken]: ["boundary", ">="],
  [ts.SyntaxKind.GreaterThanEqualsToken]: ["boundary", ">"],
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: ["equality", "!=="],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: ["equality", "==="],
  [ts.SyntaxKind.EqualsEqualsToken]: ["equality", "!="],
  [ts.SyntaxKind.ExclamationEqualsToken]: ["equality", "=="],
  [ts.SyntaxKind.AmpersandAmpersandToken]: ["logical", "||"],
  [ts.SyntaxKind.BarBarToken]: ["logical", "&&"],
  [ts.SyntaxKind.PlusToken]: ["arithmetic", "-"],
  [ts.SyntaxKind.MinusToken]: ["arithmetic", "+"],
  [ts.SyntaxKind.AsteriskToken]: ["arithmetic", "/"],
  [ts.SyntaxKind.SlashToken]: ["arithmetic", "*"],
  [ts.SyntaxKind.PercentToken]: ["arithmetic", "*"],
};

const MATH: Record<string, string> = { max: "min", min: "max", floor: "ceil", ceil: "floor" };

/** Whether `node` sits inside a type (where an edit changes nothing Bun runs). */
function inType(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isTypeNode(n) || ts.isTypeAliasDeclaration(n) || ts.isInterfaceDeclaration(n)) {
      return true;
    }
  }
  return false;
}

const isStringy = (n: ts.Expression) =>
  ts.isStringLiteral(n) || ts.isTemplateExpression(n) || ts.isNoSubstitutionTemplateLiteral(n);

/**
 * Every mutant of `source`, in source order.
 *
 * @example
 * ```ts
 * mutantsOf("diff.ts", "if (a < b) x++;").map((m) => m.replacement); // ["<=", "--"]
 * ```
 */
export function mutantsOf(fileName: string, source: string): Mutant[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const out: Omit<Mutant, "id" | "line" | "column">[] = [];
  const add = (start: number, end: number, replacement: string, operator: string) =>
    out.push({ start, end, original: source.slice(start, end), replacement, operator });

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || inType(node)) return;
    if (ts.isBinaryExpression(node)) {
      const swap = SWAP[node.operatorToken.kind];
      const stringy = isStringy(node.left) || isStringy(node.right);
      if (swap && !(node.operatorToken.kind === ts.SyntaxKind.PlusToken && stringy)) {
        add(node.operatorToken.getStart(), node.operatorToken.end, swap[1], swap[0]);
      }
    } else if (ts.isNumericLiteral(node)) {
      const n = Number(node.text);
      if (Number.isFinite(n)) {
        add(node.getStart(), node.end, `(${node.getText()} + 1)`, "constant");
        if (n > 0) add(node.getStart(), node.end, `(${node.getText()} - 1)`, "constant");
      }
    } else if (node.kind === ts.SyntaxKind.TrueKeyword) {
      add(node.getStart(), node.end, "false", "boolean");
    } else if (node.kind === ts.SyntaxKind.FalseKeyword) {
      add(node.getStart(), node.end, "true", "boolean");
    } else if (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) {
      const start = ts.isPrefixUnaryExpression(node) ? node.getStart() : node.operand.end;
      if (node.operator === ts.SyntaxKind.ExclamationToken) add(start, start + 1, "", "negation");
      if (node.operator === ts.SyntaxKind.PlusPlusToken) add(start, start + 2, "--", "arithmetic");
      if (node.operator === ts.SyntaxKind.MinusMinusToken) {
        add(start, start + 2, "++", "arithmetic");
      }
    } else if (ts.isIfStatement(node)) {
      const c = node.expression;
      add(c.getStart(), c.end, `!(${c.getText()})`, "condition");
    } else if (
      ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) &&
      node.expression.text === "Math" && MATH[node.name.text]
    ) {
      add(node.name.getStart(), node.name.end, MATH[node.name.text]!, "method");
    } else if (ts.isAwaitExpression(node)) {
      // `await x` → `x`: the promise is used as its value, or left to run unawaited.
      add(node.getStart(), node.expression.getStart(), "", "await");
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out.sort((a, b) => a.start - b.start).map((m, i) => {
    const { line, character } = file.getLineAndCharacterOfPosition(m.start);
    return { ...m, id: i + 1, line: line + 1, column: character + 1 };
  });
}

/**
 * The source with one mutant applied.
 *
 * @example
 * ```ts
 * applyMutant("a < b", mutantsOf("x.ts", "a < b")[0]!); // "a <= b"
 * ```
 */
export function applyMutant(source: string, m: Mutant): string {
  return source.slice(0, m.start) + m.replacement + source.slice(m.end);
}

/**
 * How a mutant reads in a report: `diff.ts:52:22 boundary '<' → '<='`.
 *
 * @example
 * ```ts
 * describeMutant("runner/sync/diff.ts", m); // "runner/sync/diff.ts:52:22 equality '===' → '!=='"
 * ```
 */
export function describeMutant(path: string, m: Mutant): string {
  const shown = m.replacement === ""
    ? `remove '${m.original.trim()}'`
    : `'${m.original}' → '${m.replacement}'`;
  return `${path}:${m.line}:${m.column} ${m.operator} ${shown}`;
}
