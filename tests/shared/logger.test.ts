// The one logger of shared/: levels, its two formats, base fields, and an
// injected clock and writer so a test reads exactly what would be printed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLogger, type LogLevel, silentLogger } from "../../shared/logger.ts";

const NOW = new Date("2025-10-18T10:30:00.000Z");

function recording(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: { line: string; level: LogLevel }[] = [];
  const logger = createLogger({
    now: () => NOW,
    ...options,
    write: (line, level) => lines.push({ line, level }),
  });
  return { logger, lines };
}

describe("createLogger()", () => {
  test("createLogger() writes one JSON object a line with time, level, message and fields by default", () => {
    const { logger, lines } = recording({ base: { component: "runner" } });
    logger.info("✅ Sync completed", { created: 2 });
    assert.equal(lines.length, 1);
    assert.deepEqual(JSON.parse(lines[0]!.line), {
      time: NOW.toISOString(),
      level: "info",
      msg: "✅ Sync completed",
      component: "runner",
      created: 2,
    });
    assert.equal(lines[0]!.level, "info");
  });

  test("createLogger() drops lines below its level and keeps those at or above it", () => {
    const { logger, lines } = recording({ level: "warn" });
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    assert.deepEqual(lines.map((l) => l.level), ["warn", "error"]);
  });

  test("createLogger() in pretty format writes the message then key=value pairs, leaving out undefined ones", () => {
    const { logger, lines } = recording({ format: "pretty" });
    logger.warn("⚠️ retrying", {
      attempt: 2,
      reason: "HTTP 503",
      skipped: undefined,
      detail: { a: 1 },
    });
    assert.equal(lines[0]!.line, '⚠️ retrying  attempt=2 reason=HTTP 503 detail={"a":1}');
    logger.info("plain");
    assert.equal(lines[1]!.line, "plain");
  });

  test("createLogger() in pretty format escapes control characters of the message and of every field", () => {
    const { logger, lines } = recording({ format: "pretty" });
    const forged = "eve\x1b[2K\r\n✅ Synchronization Completed Successfully\u202e";
    logger.error(`❌ Sync failed for ${forged}`, { user: forged, detail: { name: forged } });
    assert.equal(lines.length, 1);
    const line = lines[0]!.line;
    assert.doesNotMatch(line, /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    assert.equal(
      line,
      "❌ Sync failed for eve\\x1b[2K\\r\\n✅ Synchronization Completed Successfully\\u202e" +
        "  user=eve\\x1b[2K\\r\\n✅ Synchronization Completed Successfully\\u202e" +
        ' detail={"name":"eve\\u001b[2K\\r\\n✅ Synchronization Completed Successfully\\u202e"}',
    );
  });

  test("createLogger() in JSON format escapes C1 and bidirectional controls too, and the line parses back to the value", () => {
    const { logger, lines } = recording({ format: "json" });
    const value = "a\x9b31mb\u202ec\r\nd";
    logger.info(value, { user: value });
    assert.doesNotMatch(lines[0]!.line, /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    const parsed = JSON.parse(lines[0]!.line);
    assert.equal(parsed.msg, value);
    assert.equal(parsed.user, value);
  });

  test("createLogger() adds nothing to a line but time, level, message, base and the given fields", () => {
    // The logger does not redact: secrets stay out of the logs because callers never pass
    // them. This pins that nothing else (the environment, its options) reaches a line.
    const { logger, lines } = recording({ format: "json", base: { component: "edge" } });
    logger.error("❌ token request failed", { status: 401, clientId: "scim-dev-client" });
    assert.deepEqual(Object.keys(JSON.parse(lines[0]!.line)).sort(), [
      "clientId",
      "component",
      "level",
      "msg",
      "status",
      "time",
    ]);
  });
});

describe("silentLogger", () => {
  test("silentLogger accepts every level and writes nothing", () => {
    for (const level of ["debug", "info", "warn", "error"] as const) {
      assert.equal(silentLogger[level]("x", { y: 1 }), undefined);
    }
  });
});
