// Variables with the project's prefixes that nothing reads (typos), placeholders refused.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { KNOWN_ENV_NAMES } from "../../shared/env-names.ts";
import { editDistance, unknownVariables, unknownVariableWarnings } from "../../shared/env-typos.ts";
import { isLoopbackUrl, isPlaceholderSecret } from "../../shared/secret-rules.ts";

const EXAMPLE = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");

describe("KNOWN_ENV_NAMES", () => {
  test("holds exactly the variables .env.example lists", () => {
    const listed = [...EXAMPLE.matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    assert.deepEqual([...KNOWN_ENV_NAMES].sort(), [...new Set(listed)].sort());
  });
});

describe("unknownVariables()", () => {
  test("names a misspelled variable with the closest known one", () => {
    assert.deepEqual(unknownVariables({ SYNC_INTERVALL: "15m" }), [
      { name: "SYNC_INTERVALL", closest: "SYNC_INTERVAL" },
    ]);
    assert.deepEqual(unknownVariables({ SCMI_PAGE_SIZE: "200" }), []); // SCMI_ is no prefix of ours
    assert.deepEqual(unknownVariables({ SCIM_PAGESIZE: "200", NOTIFY_SMTP: "smtp://x" }), [
      { name: "NOTIFY_SMTP", closest: "NOTIFY_SMTP_URL" },
      { name: "SCIM_PAGESIZE", closest: "SCIM_PAGE_SIZE" },
    ]);
  });
  test("ignores known names and everything without one of the project's prefixes", () => {
    assert.deepEqual(
      unknownVariables({
        SYNC_INTERVAL: "15m",
        PATH: "/bin",
        npm_command: "run-script",
        HOME: "/",
      }),
      [],
    );
  });
});

describe("unknownVariableWarnings()", () => {
  test("says the variable is ignored and asks about the closest name", () => {
    assert.deepEqual(unknownVariableWarnings({ SYNC_INTERVALL: "15m" }), [
      "SYNC_INTERVALL is not a variable scim-sync reads, so it is ignored: did you mean SYNC_INTERVAL?",
    ]);
  });
});

describe("editDistance()", () => {
  test("counts an adjacent swap as one edit", () => {
    assert.equal(editDistance("SYNC_INTERVALL", "SYNC_INTERVAL"), 1);
    assert.equal(editDistance("SCIM_PAEG_SIZE", "SCIM_PAGE_SIZE"), 1);
    assert.equal(editDistance("", "ABC"), 3);
  });
});

describe("placeholders of .env.example", () => {
  test("every secret placeholder the file ships is recognised as one", () => {
    const values = [...EXAMPLE.matchAll(/^[A-Z_]*SECRET=(.+)$/gm)].map((m) => m[1]!);
    const placeholders = values.filter((v) => v.startsWith("replace-with-"));
    assert.equal(placeholders.length, 2);
    for (const v of placeholders) assert.equal(isPlaceholderSecret(v), true);
    assert.equal(isPlaceholderSecret("6f1c0e3a9b…a real one"), false);
  });
  test("isLoopbackUrl() takes only this machine for the development SSO", () => {
    assert.equal(isLoopbackUrl("http://127.0.0.1:5173/scim/v2/token"), true);
    assert.equal(isLoopbackUrl("http://localhost:5173/x"), true);
    assert.equal(isLoopbackUrl("http://[::1]:5173/x"), true);
    assert.equal(isLoopbackUrl("https://sso.example.com/scim/v2/token"), false);
    assert.equal(isLoopbackUrl("http://127.0.0.1.example.com/"), false);
  });
});
