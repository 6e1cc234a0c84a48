/**
 * A small SCIM filter parser and evaluator (RFC 7644 §3.4.2.2): `eq ne co sw
 * ew gt ge lt le pr`, `and`/`or`/`not (…)` with `and` binding tighter,
 * parentheses, value paths (`emails[type eq "work"]`), dotted sub-attributes
 * and URN-qualified paths. Attribute names and operators are
 * case-insensitive; string values too, except the RFC's caseExact attributes
 * (`id`, `externalId`, `meta.version`, `meta.location`); `meta.created` and
 * `meta.lastModified` compare as instants.
 *
 * @module
 */
import type { Json } from "./directory.ts";

export type { Json };
export type Predicate = (resource: Json) => boolean;

/** A filter the server refuses: 400 with `scimType: "invalidFilter"`. */
export class InvalidFilterError extends Error {
  readonly scimType = "invalidFilter";
}

/** A parsed attribute path: an optional schema URN and one or two attribute names. */
export interface AttrPath {
  schema: string | null;
  attrs: string[];
}

const NAME = /^[A-Za-z$][\w$-]*$/;
const CORE_PREFIX = "urn:ietf:params:scim:schemas:core:";
const CASE_EXACT = new Set(["id", "externalid", "meta.version", "meta.location"]);
const DATES = new Set(["meta.created", "meta.lastmodified"]);
const COMPARE = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);

/**
 * Splits `urn:…:User:manager.value` into schema and attribute names.
 *
 * @throws {InvalidFilterError} on a malformed path
 * @example
 * ```ts
 * parsePath("name.familyName"); // { schema: null, attrs: ["name", "familyName"] }
 * ```
 */
export function parsePath(text: string): AttrPath {
  let schema: string | null = null;
  let rest = text;
  if (text.toLowerCase().startsWith("urn:")) {
    const cut = text.lastIndexOf(":");
    schema = text.slice(0, cut);
    rest = text.slice(cut + 1);
  }
  const attrs = rest.split(".");
  if (attrs.length > 2 || !attrs.every((a) => NAME.test(a))) {
    throw new InvalidFilterError(`invalid attribute path ${text}`);
  }
  return { schema, attrs };
}

/** The key of `obj` equal to `name` ignoring case (SCIM names are case-insensitive). */
export function keyOf(obj: Json, name: string): string | undefined {
  if (name in obj) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/**
 * The values at a path; multi-valued attributes flatten, and a complex value
 * compared as a whole stands for its `value` sub-attribute (RFC 7644 §3.4.2.2).
 *
 * @example
 * ```ts
 * valuesAt({ emails: [{ value: "a@x" }] }, parsePath("emails")); // ["a@x"]
 * ```
 */
export function valuesAt(resource: Json, path: AttrPath, raw = false): unknown[] {
  let current: unknown[] = [resource];
  if (path.schema && !path.schema.toLowerCase().startsWith(CORE_PREFIX)) {
    const k = keyOf(resource, path.schema);
    current = k === undefined ? [] : [resource[k]];
  }
  for (const name of path.attrs) {
    const next: unknown[] = [];
    for (const v of current.flat()) {
      if (v && typeof v === "object") {
        const k = keyOf(v as Json, name);
        if (k !== undefined) next.push((v as Json)[k]);
      }
    }
    current = next;
  }
  const out = current.flat().filter((v) => v !== undefined && v !== null);
  return raw
    ? out
    : out.map((v) => (v && typeof v === "object" && "value" in v ? (v as Json).value : v));
}

type Token = { kind: "word" | "string" | "(" | ")" | "[" | "]"; text: string; value?: unknown };

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < input.length;) {
    const c = input[i]!;
    if (/\s/.test(c)) i++;
    else if ("()[]".includes(c)) out.push({ kind: c as Token["kind"], text: input[i++]! });
    else if (c === '"') {
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === "\\" ? 2 : 1;
      if (j >= input.length) throw new InvalidFilterError("unterminated string");
      const text = input.slice(i, j + 1);
      try {
        out.push({ kind: "string", text, value: JSON.parse(text) });
      } catch {
        throw new InvalidFilterError(`bad string ${text}`);
      }
      i = j + 1;
    } else {
      let j = i;
      while (j < input.length && !/[\s()[\]"]/.test(input[j]!)) j++;
      out.push({ kind: "word", text: input.slice(i, j) });
      i = j;
    }
  }
  return out;
}

function compiled(path: AttrPath, op: string, expected: unknown): Predicate {
  const name = path.schema && !path.schema.toLowerCase().startsWith(CORE_PREFIX)
    ? ""
    : path.attrs.join(".").toLowerCase();
  if (op === "pr") {
    return (r) => valuesAt(r, path).some((v) => v !== "" && !(Array.isArray(v) && v.length === 0));
  }
  if (typeof expected === "boolean" && !["eq", "ne"].includes(op)) {
    throw new InvalidFilterError(`${op} does not apply to booleans`);
  }
  if (expected === null && op !== "eq" && op !== "ne") {
    throw new InvalidFilterError(`${op} does not apply to null`);
  }
  if (expected === null) {
    return op === "ne"
      ? (r) => valuesAt(r, path).length > 0
      : (r) => valuesAt(r, path).length === 0;
  }
  const date = DATES.has(name) && ["eq", "ne", "gt", "ge", "lt", "le"].includes(op);
  const exact = CASE_EXACT.has(name);
  let want: unknown = expected;
  if (date) {
    want = typeof expected === "string" ? Date.parse(expected) : Number.NaN;
    if (Number.isNaN(want)) {
      throw new InvalidFilterError(`${JSON.stringify(expected)} is not a dateTime`);
    }
  } else if (typeof expected === "string" && !exact) want = expected.toLowerCase();
  // Resources share few instants (a seeded directory has one), so the last one parsed is
  // kept: a delta's filter over a million resources then costs a comparison each, not a parse.
  let lastText = "";
  let lastInstant = Number.NaN;
  const instant = (text: string) => {
    if (text !== lastText) [lastText, lastInstant] = [text, Date.parse(text)];
    return lastInstant;
  };
  const test = (actual: unknown): boolean => {
    let a: unknown = actual;
    if (date) a = typeof actual === "string" ? instant(actual) : Number.NaN;
    else if (typeof actual === "string" && !exact) a = actual.toLowerCase();
    if (typeof a !== typeof want || (typeof a === "number" && Number.isNaN(a))) return false;
    if (op === "co" || op === "sw" || op === "ew") {
      if (typeof a !== "string") return false;
      return op === "co"
        ? a.includes(want as string)
        : op === "sw"
        ? a.startsWith(want as string)
        : a.endsWith(want as string);
    }
    const [x, y] = [a as string | number | boolean, want as string | number | boolean];
    return op === "eq" || op === "ne"
      ? x === y
      : op === "gt"
      ? x > y
      : op === "ge"
      ? x >= y
      : op === "lt"
      ? x < y
      : x <= y;
  };
  // `ne` is the negation of `eq`: an absent attribute is "not equal".
  const general: Predicate = op === "ne"
    ? (r) => !valuesAt(r, path).some(test)
    : (r) => valuesAt(r, path).some(test);
  if (!date) return general;
  // A delta's filter runs over every resource held, on every page: the directory writes its
  // instants under `meta` with these names, so they are read there without a path walk.
  const [, attr] = name.split(".");
  const key = attr === "lastmodified" ? "lastModified" : "created";
  return (r) => {
    const meta = r.meta;
    const v = meta && typeof meta === "object" ? (meta as Json)[key] : undefined;
    if (typeof v !== "string") return general(r);
    return op === "ne" ? !test(v) : test(v);
  };
}

/**
 * Parses a filter into a predicate over resources.
 *
 * @throws {InvalidFilterError} when the filter does not parse
 * @example
 * ```ts
 * const p = parseFilter('userName eq "A@X" and meta.lastModified gt "2025-01-01T00:00:00Z"');
 * p({ userName: "a@x", meta: { lastModified: "2025-06-01T00:00:00.000Z" } }); // true
 * ```
 */
export function parseFilter(input: string): Predicate {
  const tokens = tokenize(input);
  let pos = 0;
  const isWord = (w: string) =>
    tokens[pos]?.kind === "word" && tokens[pos]!.text.toLowerCase() === w;
  const expect = (kind: Token["kind"]) => {
    if (tokens[pos]?.kind !== kind) {
      throw new InvalidFilterError(`expected ${kind} at token ${pos + 1}`);
    }
    pos++;
  };
  function or(): Predicate {
    let left = and();
    while (isWord("or")) {
      pos++;
      const [l, r] = [left, and()];
      left = (x) => l(x) || r(x);
    }
    return left;
  }
  function and(): Predicate {
    let left = unary();
    while (isWord("and")) {
      pos++;
      const [l, r] = [left, unary()];
      left = (x) => l(x) && r(x);
    }
    return left;
  }
  function unary(): Predicate {
    if (isWord("not")) {
      pos++;
      expect("(");
      const inner = or();
      expect(")");
      return (x) => !inner(x);
    }
    if (tokens[pos]?.kind === "(") {
      pos++;
      const inner = or();
      expect(")");
      return inner;
    }
    const attr = tokens[pos++];
    if (attr?.kind !== "word") throw new InvalidFilterError("expected an attribute path");
    const path = parsePath(attr.text);
    if (tokens[pos]?.kind === "[") {
      pos++;
      const inner = or();
      expect("]");
      return (x) =>
        valuesAt(x, path, true).some((v) =>
          v !== null && typeof v === "object" && inner(v as Json)
        );
    }
    const op = tokens[pos++]?.text.toLowerCase() ?? "";
    if (op === "pr") return compiled(path, op, undefined);
    if (!COMPARE.has(op)) throw new InvalidFilterError(`unknown operator ${op || "(none)"}`);
    const v = tokens[pos++];
    if (v?.kind === "string") return compiled(path, op, v.value);
    if (v?.kind !== "word") throw new InvalidFilterError(`missing value after ${op}`);
    const word = v.text.toLowerCase();
    if (word === "true" || word === "false") return compiled(path, op, word === "true");
    if (word === "null") return compiled(path, op, null);
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v.text)) return compiled(path, op, Number(v.text));
    throw new InvalidFilterError(`bad value ${v.text}`);
  }
  const predicate = or();
  if (pos !== tokens.length) throw new InvalidFilterError(`unexpected ${tokens[pos]?.text}`);
  return predicate;
}
