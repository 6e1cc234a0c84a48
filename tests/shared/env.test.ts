// The environment toolkit shared by the edge and the runner: one rule per kind
// of variable, and one ConfigError that names variables, never values.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  envBool,
  envBytes,
  envDuration,
  envEnum,
  envInt,
  envList,
  envSecret,
  envSecrets,
  envUrl,
  parseEnv,
} from "../../shared/env.ts";
import { ConfigError } from "../../shared/errors.ts";

/** The ConfigError parseEnv throws for `env` under `schema`. */
function refusal(schema: z.ZodType, env: Record<string, string>): ConfigError {
  try {
    parseEnv(schema, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e;
  }
  assert.fail("expected a ConfigError");
}

describe("envBool()", () => {
  const Env = z.object({ FLAG: envBool(false) });
  test("envBool() reads true/false, 1/0, yes/no and on/off in any case", () => {
    for (const yes of ["true", "TRUE", "1", "yes", "Yes", "on", " ON "]) {
      assert.equal(parseEnv(Env, { FLAG: yes }).FLAG, true, yes);
    }
    for (const no of ["false", "False", "0", "no", "NO", "off", "Off"]) {
      assert.equal(parseEnv(Env, { FLAG: no }).FLAG, false, no);
    }
  });
  test("envBool() gives the fallback when unset or blank", () => {
    assert.equal(parseEnv(z.object({ FLAG: envBool(true) }), {}).FLAG, true);
    assert.equal(parseEnv(z.object({ FLAG: envBool(true) }), { FLAG: "  " }).FLAG, true);
  });
  test("envBool() refuses another word, naming the variable and not the value", () => {
    const e = refusal(Env, { FLAG: "maybe" });
    assert.deepEqual(e.variables, ["FLAG"]);
    assert.match(e.message, /FLAG must be true or false/);
    assert.ok(!e.message.includes("maybe"));
  });
});

describe("envInt()", () => {
  const Env = z.object({ PORT: envInt(8000, 0, 65535) });
  test("envInt() reads a whole number within its range, and the fallback when unset", () => {
    assert.equal(parseEnv(Env, { PORT: "0" }).PORT, 0);
    assert.equal(parseEnv(Env, { PORT: "65535" }).PORT, 65535);
    assert.equal(parseEnv(Env, {}).PORT, 8000);
  });
  test("envInt() refuses fractions, words and values out of range, naming the range", () => {
    for (const bad of ["1.5", "lots", "-1", "65536"]) {
      const e = refusal(Env, { PORT: bad });
      assert.match(e.message, /PORT must be a whole number from 0 to 65535/);
    }
  });
});

describe("envList() and envSecrets()", () => {
  test("envList() splits on commas and drops blanks", () => {
    assert.deepEqual(parseEnv(z.object({ L: envList() }), { L: " a@x, ,b@x," }).L, ["a@x", "b@x"]);
    assert.deepEqual(parseEnv(z.object({ L: envList() }), {}).L, []);
  });
  test("envSecrets() returns a rotation and refuses a short member without printing it", () => {
    const Env = z.object({ S: envSecrets("S") });
    assert.deepEqual(parseEnv(Env, { S: "new-secret-0123456789, old-secret-0123456789" }).S, [
      "new-secret-0123456789",
      "old-secret-0123456789",
    ]);
    const e = refusal(Env, { S: "long-enough-secret-0123,tiny" });
    assert.match(e.message, /S must be at least 16 bytes/);
    assert.ok(!e.message.includes("tiny"));
  });
  test("envSecrets() refuses an empty rotation only when required", () => {
    assert.deepEqual(parseEnv(z.object({ S: envSecrets("S") }), {}).S, []);
    assert.match(
      refusal(z.object({ S: envSecrets("S", { required: true }) }), { S: " , " }).message,
      /S must be set/,
    );
  });
  test("envSecret() holds one token to the same length rule", () => {
    const Env = z.object({ ADMIN_TOKEN: envSecret("ADMIN_TOKEN") });
    assert.equal(parseEnv(Env, {}).ADMIN_TOKEN, null);
    assert.equal(
      parseEnv(Env, { ADMIN_TOKEN: "a,token-of-16-bytes" }).ADMIN_TOKEN,
      "a,token-of-16-bytes",
    );
    assert.ok(!refusal(Env, { ADMIN_TOKEN: "short" }).message.includes("short"));
  });
});

describe("envDuration(), envBytes(), envEnum() and envUrl()", () => {
  test("envDuration() reads 90s/30m/6h/1d and refuses words and zero", () => {
    const Env = z.object({ D: envDuration("6h") });
    assert.equal(parseEnv(Env, {}).D, 6 * 3_600_000);
    assert.equal(parseEnv(Env, { D: "90s" }).D, 90_000);
    assert.match(refusal(Env, { D: "soon" }).message, /D must be a duration/);
    assert.match(refusal(Env, { D: "0s" }).message, /D must be a duration/);
  });
  test("envBytes() reads bytes and binary units and refuses a size under its minimum", () => {
    const Env = z.object({ B: envBytes(1024, 512) });
    assert.equal(parseEnv(Env, {}).B, 1024);
    assert.equal(parseEnv(Env, { B: "2KiB" }).B, 2048);
    assert.equal(parseEnv(Env, { B: "1mb" }).B, 2 ** 20);
    assert.match(refusal(Env, { B: "100" }).message, /B must be a size of at least 512 bytes/);
  });
  test("envEnum() compares in lower case and lists the choices on refusal", () => {
    const Env = z.object({ LOG_LEVEL: envEnum(["debug", "info"], "info") });
    assert.equal(parseEnv(Env, { LOG_LEVEL: "DEBUG" }).LOG_LEVEL, "debug");
    assert.match(
      refusal(Env, { LOG_LEVEL: "loud" }).message,
      /LOG_LEVEL must be one of debug, info/,
    );
  });
  test("envUrl() is undefined when unset and refuses a non-URL without echoing it", () => {
    const Env = z.object({ U: envUrl("http://localhost:5173") });
    assert.equal(parseEnv(Env, {}).U, undefined);
    assert.equal(parseEnv(Env, { U: "https://idp.example" }).U, "https://idp.example");
    assert.ok(!refusal(Env, { U: "not a url" }).message.includes("not a url"));
  });
});

describe("parseEnv()", () => {
  test("parseEnv() names every wrong variable in one ConfigError", () => {
    const Env = z.object({ A: envInt(1, 0, 9), B: envBool(false), C: envList() });
    const e = refusal(Env, { A: "10", B: "perhaps", C: "fine" });
    assert.deepEqual(e.variables, ["A", "B"]);
    assert.equal(e.code, "CONFIG_INVALID");
    assert.match(e.message, /^Invalid configuration: A must be .*; B must be /);
  });
});

describe("placeholder secrets", () => {
  test("envSecrets() and envSecret() refuse .env.example's placeholders, naming the variable only", () => {
    const rotation = z.object({ INGEST_SECRET: envSecrets("INGEST_SECRET") });
    const e = refusal(rotation, {
      INGEST_SECRET: "a-real-secret-0123456789,replace-with-another-openssl-rand-hex-32",
    });
    assert.deepEqual(e.variables, ["INGEST_SECRET"]);
    assert.match(e.message, /INGEST_SECRET is still the placeholder from \.env\.example/);
    assert.doesNotMatch(e.message, /replace-with-another/);
    const one = z.object({ ADMIN_TOKEN: envSecret("ADMIN_TOKEN") });
    assert.match(
      refusal(one, { ADMIN_TOKEN: "replace-with-openssl-rand-hex-32-output" }).message,
      /ADMIN_TOKEN is still the placeholder/,
    );
  });
});
