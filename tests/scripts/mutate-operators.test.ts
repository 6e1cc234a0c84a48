// scripts/mutate-operators.ts: which edits it proposes, and that it leaves alone what Bun
// never runs (types, comments, strings, imports).
import { describe, expect, test } from "bun:test";
import { applyMutant, describeMutant, mutantsOf } from "../../scripts/mutate-operators.ts";

const edits = (source: string) =>
  mutantsOf("x.ts", source).map((m) => `${m.operator}:${m.original}→${m.replacement}`);

describe("mutantsOf()", () => {
  test("mutantsOf() moves comparison boundaries, flips equalities and swaps logic and arithmetic", () => {
    expect(edits("f(a < b, a >= b, a === b, a != b, a && b, a * b, a - b);")).toEqual([
      "boundary:<→<=",
      "boundary:>=→>",
      "equality:===→!==",
      "equality:!=→==",
      "logical:&&→||",
      "arithmetic:*→/",
      "arithmetic:-→+",
    ]);
  });

  test("mutantsOf() moves numbers by one, flips booleans, removes ! and await, negates if conditions", () => {
    expect(edits("async function f() { if (!ok) await g(0, 2, true); n++; }")).toEqual([
      "condition:!ok→!(!ok)",
      "negation:!→",
      "await:await →",
      "constant:0→(0 + 1)",
      "constant:2→(2 + 1)",
      "constant:2→(2 - 1)",
      "boolean:true→false",
      "arithmetic:++→--",
    ]);
    expect(edits("Math.max(a, Math.floor(b));")).toEqual(["method:max→min", "method:floor→ceil"]);
  });

  test("mutantsOf() leaves types, comments, strings, imports and string concatenation alone", () => {
    expect(
      edits(`import { x } from "./a.ts";
type T = 1 | 2;
interface I { n: 3 }
const s: T = 1; // 4 < 5
const t = "a" + b + \`\${c}\`;
`),
    ).toEqual(["constant:1→(1 + 1)", "constant:1→(1 - 1)"]);
  });
});

describe("applyMutant()", () => {
  test("applyMutant() edits only the mutant's span, and describeMutant() names its place", () => {
    const source = "if (a < b) {\n  return c === 1;\n}";
    const [, eq] = mutantsOf("x.ts", source).filter((m) => m.operator !== "condition");
    expect(applyMutant(source, eq!)).toBe("if (a < b) {\n  return c !== 1;\n}");
    expect(describeMutant("runner/x.ts", eq!)).toBe("runner/x.ts:2:12 equality '===' → '!=='");
  });
});
