// The in-flight gate's 503s are counted (onBusy), for the ingestion-503 alert.
import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { createInFlightGate } from "../../../runner/ingest/in-flight-gate.ts";
import { createMetrics } from "../../../runner/metrics.ts";

describe("createInFlightGate()", () => {
  test("createInFlightGate() tells onBusy once per 503 and not for an admitted request", async () => {
    const metrics = createMetrics();
    const gate = createInFlightGate({ max: 1, onBusy: () => metrics.recordIngestRejected("busy") });
    const app = new Hono().use("*", gate.middleware()).post("/", (c) => c.text("ok"));
    expect((await app.request("/", { method: "POST" })).status).toBe(200);
    expect(gate.take(1)).toBe(true);
    expect((await app.request("/", { method: "POST" })).status).toBe(503);
    expect((await app.request("/", { method: "POST" })).status).toBe(503);
    expect((await metrics.render()).body).toContain('scim_ingest_rejected_total{reason="busy"} 2');
  });
});
