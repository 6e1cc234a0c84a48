// printable(): what every text surface prints values from outside through.
// Runs under Bun and Deno (node:test).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { printable, printableJson } from "../../shared/printable.ts";

const FORGED = "eve\x1b[2K\x1b[1A\r\n✅ Synchronization Completed Successfully\nErrors: 0";

describe("printable()", () => {
  test("printable() turns CR, LF and ESC sequences into escapes, so a forged title stays on its line", () => {
    const out = printable(FORGED);
    assert.equal(
      out,
      "eve\\x1b[2K\\x1b[1A\\r\\n✅ Synchronization Completed Successfully\\nErrors: 0",
    );
    assert.equal(out.split("\n").length, 1);
  });

  test("printable() escapes every C0 control, DEL and every C1 control (U+009B is a one-byte CSI)", () => {
    for (let code = 0; code <= 0x9f; code++) {
      if (code >= 0x20 && code < 0x7f) continue;
      const out = printable(`a${String.fromCharCode(code)}b`);
      assert.match(out, /^a\\(x[0-9a-f]{2}|n|r|t)b$/, `U+${code.toString(16)}`);
    }
    assert.equal(printable("\x9b31m"), "\\x9b31m");
    assert.equal(printable("\x00\x7f\t"), "\\x00\\x7f\\t");
  });

  test("printable() escapes the bidirectional overrides, isolates and marks and the line separators", () => {
    const bidi = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
    for (const code of [...bidi, 0x200e, 0x200f, 0x061c, 0x2028, 0x2029]) {
      assert.equal(
        printable(`x${String.fromCharCode(code)}y`),
        `x\\u${code.toString(16).padStart(4, "0")}y`,
      );
    }
    // "invoice‮fdp.exe" reads as "invoiceexe.pdf" on a terminal that honours U+202E.
    assert.equal(printable("invoice\u202efdp.exe"), "invoice\\u202efdp.exe");
  });

  test("printable() leaves ordinary text alone: accents, emoji, CJK, backslashes and quotes", () => {
    for (const s of ["Zoë Ångström", "✅ 📊 ⏹️", "山田太郎", "DOMAIN\\jane", `"quoted" 'x'`, ""]) {
      assert.equal(printable(s), s);
    }
  });
});

describe("printableJson()", () => {
  test("printableJson() writes DEL, C1, separators and bidi controls as \\u escapes and parses back to the value", () => {
    const value = { user: "a\x7f\x9b31m\u2028\u202eb\r\n\x1b" };
    const line = printableJson(value);
    assert.doesNotMatch(line, /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    assert.equal(line, '{"user":"a\\u007f\\u009b31m\\u2028\\u202eb\\r\\n\\u001b"}');
    assert.deepEqual(JSON.parse(line), value);
  });
});
