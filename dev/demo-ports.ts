/**
 * The ports `npm run demo -- --serve` listens on: `--sso-port`,
 * `--runner-port`, `--edge-port`, else `DEMO_SSO_PORT`, `DEMO_RUNNER_PORT`,
 * `DEMO_EDGE_PORT`, else the design's defaults (5173, 5174, 8000). Each is
 * checked before anything starts, so a port another program holds is named
 * with the flag that moves it, instead of a service dying half-way.
 *
 * @module
 */
import { createServer } from "node:net";

/** The three ports of a served demo. */
export interface DemoPorts {
  sso: number;
  runner: number;
  edge: number;
}

const SERVICES = [
  { key: "sso", flag: "--sso-port", env: "DEMO_SSO_PORT", what: "the development SSO", def: 5173 },
  { key: "runner", flag: "--runner-port", env: "DEMO_RUNNER_PORT", what: "the runner", def: 5174 },
  { key: "edge", flag: "--edge-port", env: "DEMO_EDGE_PORT", what: "the edge", def: 8000 },
] as const;

/**
 * The ports from flags, then the environment, then the defaults (pure).
 *
 * @throws {RangeError} naming the flag or variable whose value is not a port (1–65535), or
 *   when two services would share a port
 * @example
 * ```ts
 * demoPorts({ "sso-port": "6173" }, {}); // { sso: 6173, runner: 5174, edge: 8000 }
 * ```
 */
export function demoPorts(
  flags: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
): DemoPorts {
  const out = {} as Record<keyof DemoPorts, number>;
  for (const s of SERVICES) {
    const fromFlag = flags[s.flag.slice(2)];
    const text = fromFlag ?? env[s.env];
    const name = fromFlag !== undefined ? s.flag : s.env;
    const port = text === undefined || text === "" ? s.def : Number(text);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`${name} must be a port from 1 to 65535, not "${text}"`);
    }
    out[s.key] = port;
  }
  if (new Set(Object.values(out)).size < 3) {
    throw new RangeError(
      `the SSO, runner and edge need three different ports, not ${JSON.stringify(out)}`,
    );
  }
  return out;
}

/**
 * Whether something already listens on 127.0.0.1:`port`.
 *
 * @example
 * ```ts
 * if (await portInUse(5173)) console.log("taken");
 * ```
 */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      probe.close(() => resolve(false));
    });
  });
}

/**
 * The first port taken, as a sentence naming the service and how to move it; null when all are free.
 *
 * @example
 * ```ts
 * await takenPortMessage({ sso: 5173, runner: 5174, edge: 8000 });
 * // "port 5173 (the development SSO) is in use by another program: pick another with --sso-port or DEMO_SSO_PORT, e.g. --sso-port 6173"
 * ```
 */
export async function takenPortMessage(ports: DemoPorts): Promise<string | null> {
  for (const s of SERVICES) {
    const port = ports[s.key];
    if (await portInUse(port)) {
      return `port ${port} (${s.what}) is in use by another program: pick another with ` +
        `${s.flag} or ${s.env}, e.g. ${s.flag} ${port + 1000 > 65535 ? port - 1000 : port + 1000}`;
    }
  }
  return null;
}
