// The watch over the driver's server monitor: a check that began and never ended is told once;
// checks that end, however often, never are. The stuck check here is real: a TCP relay in front
// of the test's MongoDB-wire server stops passing the server's answers on.
import { afterAll, describe, expect, test } from "bun:test";
import { connect, createServer, type Server, type Socket } from "node:net";
import { MongoClient } from "mongodb";
import {
  createMonitorWatch,
  monitorDeadlineMs,
  watchMonitors,
} from "../../../runner/store/monitor-watchdog.ts";
import { openTestDb } from "../support/mongo.ts";
import { systemEvery } from "../../../runner/system-time.ts";

const t = await openTestDb("monitor_watch");
afterAll(() => t.drop());

/** A relay to the test server whose answers can be frozen (held, never passed on). */
async function freezableRelay(
  target: URL,
): Promise<{ port: number; freeze(): void; close(): void }> {
  let frozen = false;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.push(client, upstream);
    client.on("data", (b) => upstream.write(b));
    upstream.on("data", (b) => {
      if (!frozen) client.write(b);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    freeze: () => void (frozen = true),
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe("createMonitorWatch()", () => {
  test("a check pending past the deadline is stopped; one that ended, or began again, is not", () => {
    const watch = createMonitorWatch(1_000);
    watch.started("a:1", 0);
    watch.started("b:2", 0);
    watch.settled("b:2");
    expect(watch.stopped(900)).toEqual([]);
    expect(watch.stopped(1_500)).toEqual([{ address: "a:1", pendingMs: 1_500 }]);
    watch.started("a:1", 1_400); // a streaming monitor's next check
    expect(watch.stopped(2_000)).toEqual([]);
  });

  test("refuses a deadline that is not a positive number", () => {
    expect(() => createMonitorWatch(0)).toThrow(RangeError);
    expect(() => createMonitorWatch(Number.NaN)).toThrow(RangeError);
  });
});

describe("monitorDeadlineMs()", () => {
  test("monitorDeadlineMs() is 50 s for the driver's defaults and follows a URI that lengthens the connect timeout or the heartbeat", () => {
    // The driver parses the options, as the runner's client does; nothing connects.
    const options = (uri: string) => new MongoClient(uri).options;
    expect(monitorDeadlineMs(options("mongodb://127.0.0.1:27017/"))).toBe(50_000);
    expect(monitorDeadlineMs(options("mongodb://127.0.0.1:27017/?connectTimeoutMS=60000")))
      .toBe(80_000);
    expect(monitorDeadlineMs(options("mongodb://127.0.0.1:27017/?heartbeatFrequencyMS=30000")))
      .toBe(70_000);
    // 0 is "no connect timeout": the driver's own 30 s stands in, so a stuck check is still told.
    expect(monitorDeadlineMs(options("mongodb://127.0.0.1:27017/?connectTimeoutMS=0")))
      .toBe(50_000);
  });
});

describe("watchMonitors()", () => {
  test(
    "a real client's checks end and raise nothing; once the server's answers stop, the stuck check is told once",
    async () => {
      const relay = await freezableRelay(new URL(t.uri));
      const address = `127.0.0.1:${relay.port}`;
      const client = new MongoClient(`mongodb://${address}/?directConnection=true`, {
        heartbeatFrequencyMS: 500,
        // Longer than the test: the check stays pending instead of failing by its socket timeout.
        connectTimeoutMS: 60_000,
        serverSelectionTimeoutMS: 2_000,
      });
      const told: { address: string; pendingMs: number }[] = [];
      let unwatch = () => {};
      try {
        await client.connect();
        unwatch = watchMonitors(client, {
          deadlineMs: 1_500,
          everyMs: 100,
          every: systemEvery,
          onStopped: (s) => told.push(s),
        });
        // Several checks begin and end meanwhile (every 500 ms).
        await Bun.sleep(2_500);
        expect(await client.db(t.name).command({ ping: 1 })).toMatchObject({ ok: 1 });
        expect(told).toEqual([]);

        relay.freeze();
        const deadline = Date.now() + 10_000;
        while (told.length === 0 && Date.now() < deadline) await Bun.sleep(100);
        expect(told).toHaveLength(1);
        expect(told[0]?.address).toBe(address);
        expect(told[0]?.pendingMs).toBeGreaterThan(1_500);
        await Bun.sleep(500);
        expect(told).toHaveLength(1); // once
      } finally {
        unwatch();
        relay.close();
        await client.close().catch(() => {});
      }
    },
    30_000,
  );
});
