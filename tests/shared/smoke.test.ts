/** Proves the node:test path: this file runs under both `bun test` and `deno test`. */
import { test } from "node:test";
import assert from "node:assert/strict";

test("node:test and node:assert work under this runtime", () => {
  assert.deepEqual({ a: [1, 2] }, { a: [1, 2] });
  assert.throws(() => JSON.parse("{"), SyntaxError);
});
