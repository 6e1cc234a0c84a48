/**
 * Running the hostile SCIM server, and the "elsewhere" server its redirects
 * point to, on free ports in this process (Bun), for tests.
 *
 * @module
 */
import { createHostileScim, type HostileScim, type HostileScimOptions } from "./app.ts";

/** A running hostile server. */
export interface RunningHostileScim {
  /** e.g. `http://127.0.0.1:41234`: what `SSO_BASE_URL` takes. */
  url: string;
  hostile: HostileScim;
  stop(): Promise<void>;
}

/**
 * Starts the hostile SCIM server (port 0 = a free one).
 *
 * @example
 * ```ts
 * const { url, hostile, stop } = await startHostileScim({ users: 240, elsewhere: recorder.url });
 * hostile.setMode("total-too-low");
 * await stop();
 * ```
 */
export function startHostileScim(
  options: HostileScimOptions & { port?: number } = {},
): Promise<RunningHostileScim> {
  const hostile = createHostileScim(options);
  const server = Bun.serve({
    port: options.port ?? 0,
    hostname: "127.0.0.1",
    idleTimeout: 255,
    fetch: hostile.app.fetch,
  });
  return Promise.resolve({
    url: `http://127.0.0.1:${server.port}`,
    hostile,
    stop: () => server.stop(true),
  });
}

/** What the other origin received: enough to tell whether a credential arrived. */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | null;
  body: string;
}

/** A server on another origin that records everything sent to it. */
export interface Recorder {
  url: string;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

/**
 * Starts the recorder. It answers like a SCIM server that would like to be
 * trusted — a token, an empty user listing — so a client that followed a
 * redirect there would go on (and, trusting the empty listing, deactivate everyone).
 *
 * @example
 * ```ts
 * const rec = await startRecorder();
 * // … redirect a client to rec.url …
 * expect(rec.requests).toEqual([]);
 * ```
 */
export function startRecorder(): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      requests.push({
        method: req.method,
        path: url.pathname,
        authorization: req.headers.get("authorization"),
        body: await req.text(),
      });
      if (url.pathname.endsWith("/token")) {
        return Response.json({ access_token: "elsewhere-token", expires_in: 3600 });
      }
      return Response.json({ totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
    },
  });
  return Promise.resolve({
    url: `http://127.0.0.1:${server.port}`,
    requests,
    stop: () => server.stop(true),
  });
}
