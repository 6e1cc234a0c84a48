// Durations as the environment writes them ("90s", "1h") and as people read them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatDuration, parseDuration } from "../../shared/duration.ts";

describe("parseDuration()", () => {
  test("parseDuration() reads each unit, and bare numbers as milliseconds", () => {
    assert.equal(parseDuration("250ms"), 250);
    assert.equal(parseDuration("90s"), 90_000);
    assert.equal(parseDuration("15m"), 900_000);
    assert.equal(parseDuration("1h"), 3_600_000);
    assert.equal(parseDuration("2d"), 172_800_000);
    assert.equal(parseDuration("1500"), 1500);
  });

  test("parseDuration() takes fractions and surrounding spaces, rounding to whole milliseconds", () => {
    assert.equal(parseDuration(" 1.5s "), 1500);
    assert.equal(parseDuration("0.0004s"), 0);
    assert.equal(parseDuration("2 m"), 120_000);
  });

  test("parseDuration() returns null for what is not a duration", () => {
    for (const text of ["", "s", "-5s", "5w", "1h30m", "abc", "1e3"]) {
      assert.equal(parseDuration(text), null, text);
    }
  });
});

describe("formatDuration()", () => {
  test("formatDuration() writes under a second in milliseconds and longer in d/h/m/s parts", () => {
    assert.equal(formatDuration(0), "0ms");
    assert.equal(formatDuration(999.4), "999ms");
    assert.equal(formatDuration(1000), "1s");
    assert.equal(formatDuration(90_000), "1m30s");
    assert.equal(formatDuration(3_600_000), "1h");
    assert.equal(formatDuration(90_061_000), "1d1h1m1s");
  });

  test("formatDuration() and parseDuration() agree on single-unit durations", () => {
    for (const text of ["1s", "45m", "6h", "3d"]) {
      assert.equal(formatDuration(parseDuration(text)!), text);
    }
  });
});
