/**
 * `npm run demo -- --serve` ports: flags before the environment before the
 * defaults, nonsense refused by name, and a port another program holds named
 * with the flag that moves it — by the real demo script, before it starts anything.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { resolve } from "node:path";
import { demoPorts, portInUse, takenPortMessage } from "../../dev/demo-ports.ts";

const ROOT = resolve(import.meta.dir, "../..");
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** Holds a free port on 127.0.0.1, as another program would. */
async function holdPort(): Promise<number> {
  const s = createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen({ port: 0, host: "127.0.0.1" }, () => r()));
  return (s.address() as { port: number }).port;
}

describe("demoPorts()", () => {
  test("demoPorts() takes a flag over the environment over the default", () => {
    expect(demoPorts({}, {})).toEqual({ sso: 5173, runner: 5174, edge: 8000 });
    expect(demoPorts({ "sso-port": "6173" }, { DEMO_SSO_PORT: "7173", DEMO_EDGE_PORT: "9000" }))
      .toEqual({ sso: 6173, runner: 5174, edge: 9000 });
  });
  test("demoPorts() refuses a value that is not a port, naming where it came from", () => {
    expect(() => demoPorts({ "runner-port": "abc" }, {})).toThrow("--runner-port");
    expect(() => demoPorts({}, { DEMO_EDGE_PORT: "70000" })).toThrow("DEMO_EDGE_PORT");
    expect(() => demoPorts({ "edge-port": "5173" }, {})).toThrow("three different ports");
  });
});

describe("takenPortMessage()", () => {
  test("takenPortMessage() names a port another program holds and the flag that moves it", async () => {
    const port = await holdPort();
    expect(await portInUse(port)).toBe(true);
    const msg = await takenPortMessage({ sso: port, runner: 1, edge: 2 });
    expect(msg).toContain(`port ${port} (the development SSO) is in use`);
    expect(msg).toContain("--sso-port or DEMO_SSO_PORT");
  });
  test(
    "`npm run demo -- --serve --runner-port <taken>` exits 1 naming the port, before starting anything",
    async () => {
      const port = await holdPort();
      const proc = Bun.spawn([
        resolve(ROOT, "node_modules/.bin/bun"),
        "dev/demo.ts",
        "--serve",
        "--sso-port",
        String(await freePort()),
        "--edge-port",
        String(await freePort()),
        "--runner-port",
        String(port),
      ], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect(code).toBe(1);
      expect(err).toContain(`port ${port} (the runner) is in use by another program`);
      expect(err).toContain("--runner-port");
      expect(out).not.toContain("Starting the local MongoDB-wire server");
    },
    30_000,
  );
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen({ port: 0, host: "127.0.0.1" }, () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
