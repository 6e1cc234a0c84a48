// /health's MongoDB probe (runner/store/health-probe.ts) through a TCP proxy that can wedge the
// connections it carries: open, silent, never closed — what a ping on FerretDB was seen doing
// after its server was killed and started again, holding the probe's pool of one for good.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../../../shared/logger.ts";
import { silentLogger } from "../../../shared/logger.ts";
import { openHealthProbe } from "../../../runner/store/health-probe.ts";
import { openTestDb, type TestDb } from "../support/mongo.ts";

/** A proxy to MongoDB whose open connections can be wedged; new ones pass. */
function wedgeableProxy(target: URL): Promise<{ uri: string; wedge(): number; close(): void }> {
  const pairs: [Socket, Socket][] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop);
    upstream.on("error", drop);
    pairs.push([client, upstream]);
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      ok({
        uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
        wedge() {
          // Nothing more flows either way, and nothing is closed: the driver hears nothing.
          for (const [c, u] of pairs.splice(0)) {
            c.unpipe(u);
            u.unpipe(c);
            c.pause();
            u.pause();
          }
          return pairs.length;
        },
        close: () => server.close(),
      });
    })
  );
}

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb("health_probe");
});
afterAll(() => t.drop());

describe("openHealthProbe()", () => {
  test(
    "a ping that neither answers nor fails by its deadline retires the client: the next ping answers over a new connection",
    async () => {
      const proxy = await wedgeableProxy(new URL(t.uri));
      const warnings: string[] = [];
      const logger: Logger = { ...silentLogger, warn: (msg: string) => void warnings.push(msg) };
      const probe = await openHealthProbe(proxy.uri, t.name, logger, { deadlineMs: 800 });
      try {
        expect(await probe.ping()).toBe(true);
        proxy.wedge();
        const started = Date.now();
        expect(await probe.ping()).toBe(false);
        expect(Date.now() - started).toBeLessThan(10_000); // its deadline, not the driver's 30 s
        expect(warnings.some((w) => w.includes("reconnecting"))).toBe(true);
        expect(await probe.ping()).toBe(true);
        expect(await probe.recentRuns(5)).toEqual([]);
        expect(await probe.heldCount()).toBe(0);
      } finally {
        await probe.close();
        proxy.close();
      }
    },
    30_000,
  );
});
