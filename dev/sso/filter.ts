/**
 * A small SCIM filter parser and evaluator (RFC 7644 §3.4.2.2): eq ne co sw ew
 * gt ge lt le pr, and/or/not, parentheses, dotted and URN-prefixed paths.
 *
 * @module
 */

export type Json = Record<string, unknown>;
export type Predicate = (resource: Json) => boolean;

/** A filter that does not parse; the app answers 400 invalidFilter. */
export class InvalidFilterError extends Error {}

type Token = { kind: "word" | "string" | "lparen" | "rparen"; text: string; value?: unknown };

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === "(" || c === ")") {
      out.push({ kind: c === "(" ? "lparen" : "rparen", text: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === "\\" ? 2 : 1;
      if (j >= input.length) throw new InvalidFilterError("unterminated string");
      const raw = input.slice(i, j + 1);
      out.push({ kind: "string", text: raw, value: JSON.parse(raw) });
      i = j + 1;
    } else {
      let j = i;
      while (j < input.length && !/[\s()]/.test(input[j] as string)) j++;
      out.push({ kind: "word", text: input.slice(i, j) });
      i = j;
    }
  }
  return out;
}

/** Values at a path; multi-valued attributes flatten (`emails.value`). */
function valuesAt(resource: Json, path: string): unknown[] {
  let root: unknown = resource;
  let rest = path;
  const colon = path.lastIndexOf(":");
  if (colon > 0) {
    root = resource[path.slice(0, colon)] ?? resource[path.slice(0, colon).toLowerCase()];
    rest = path.slice(colon + 1);
  }
  let current: unknown[] = [root];
  for (const part of rest.split(".")) {
    const next: unknown[] = [];
    for (const v of current) {
      const items = Array.isArray(v) ? v : [v];
      for (const item of items) {
        if (item && typeof item === "object") {
          const key = Object.keys(item).find((k) => k.toLowerCase() === part.toLowerCase());
          if (key !== undefined) next.push((item as Json)[key]);
        }
      }
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== undefined && v !== null);
}

function compare(op: string, actual: unknown, expected: unknown): boolean {
  if (typeof actual === "string" && typeof expected === "string") {
    const da = Date.parse(actual);
    const de = Date.parse(expected);
    if (/^\d{4}-\d\d-\d\d/.test(actual) && !Number.isNaN(da) && !Number.isNaN(de)) return order(op, da, de);
    const a = actual.toLowerCase();
    const e = expected.toLowerCase();
    if (op === "co") return a.includes(e);
    if (op === "sw") return a.startsWith(e);
    if (op === "ew") return a.endsWith(e);
    return order(op, a, e);
  }
  return order(op, actual as number, expected as number);
}

function order<T>(op: string, a: T, e: T): boolean {
  switch (op) {
    case "eq": return a === e;
    case "ne": return a !== e;
    case "gt": return a > e;
    case "ge": return a >= e;
    case "lt": return a < e;
    case "le": return a <= e;
    default: return false;
  }
}

const OPS = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);

/**
 * Parses a filter into a predicate.
 *
 * @throws {InvalidFilterError} when the filter is not valid
 *
 * @example
 * ```ts
 * const p = parseFilter('userName eq "a@x" and meta.lastModified gt "2025-01-01T00:00:00Z"');
 * p({ userName: "A@x", meta: { lastModified: "2025-06-01T00:00:00Z" } }); // true
 * ```
 */
export function parseFilter(input: string): Predicate {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const word = (w: string) => peek()?.kind === "word" && peek()?.text.toLowerCase() === w;

  function orExpr(): Predicate {
    let left = andExpr();
    while (word("or")) {
      pos++;
      const l = left;
      const r = andExpr();
      left = (x) => l(x) || r(x);
    }
    return left;
  }
  function andExpr(): Predicate {
    let left = unary();
    while (word("and")) {
      pos++;
      const l = left;
      const r = unary();
      left = (x) => l(x) && r(x);
    }
    return left;
  }
  function unary(): Predicate {
    if (word("not")) {
      pos++;
      const inner = unary();
      return (x) => !inner(x);
    }
    if (peek()?.kind === "lparen") {
      pos++;
      const inner = orExpr();
      if (peek()?.kind !== "rparen") throw new InvalidFilterError("missing )");
      pos++;
      return inner;
    }
    const attr = tokens[pos++];
    const op = tokens[pos++];
    if (attr?.kind !== "word" || op?.kind !== "word") throw new InvalidFilterError("expected attribute and operator");
    const o = op.text.toLowerCase();
    if (o === "pr") return (x) => valuesAt(x, attr.text).length > 0;
    if (!OPS.has(o)) throw new InvalidFilterError(`unknown operator ${op.text}`);
    const v = tokens[pos++];
    if (!v) throw new InvalidFilterError("missing value");
    let expected: unknown;
    if (v.kind === "string") expected = v.value;
    else if (v.text === "true" || v.text === "false") expected = v.text === "true";
    else if (v.text === "null") expected = null;
    else if (!Number.isNaN(Number(v.text))) expected = Number(v.text);
    else throw new InvalidFilterError(`bad value ${v.text}`);
    return (x) => valuesAt(x, attr.text).some((a) => compare(o, a, expected));
  }

  const p = orExpr();
  if (pos !== tokens.length) throw new InvalidFilterError(`unexpected ${tokens[pos]?.text}`);
  return p;
}
