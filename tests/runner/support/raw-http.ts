/**
 * One raw HTTP/1.1 request over its own socket: the test chooses every header
 * (fetch may rewrite Host), and it never queues behind fetch's connection pool.
 *
 * @module
 */
import { connect } from "node:net";

/**
 * Sends `lines` (request line and headers; `Connection: close` is added) and
 * resolves with the whole answer as text once the server closes.
 *
 * @example
 * ```ts
 * const answer = await rawRequest(port, ["GET /health HTTP/1.1", "Host: 127.0.0.1:" + port]);
 * answer.startsWith("HTTP/1.1 200"); // true
 * ```
 */
export function rawRequest(port: number, lines: string[], body = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const head = [
      ...lines,
      "Connection: close",
      ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : []),
    ];
    // write, not end: a half-closed socket reads to Bun as a client that went away.
    const socket = connect(
      port,
      "127.0.0.1",
      () => socket.write(`${head.join("\r\n")}\r\n\r\n${body}`),
    );
    let out = "";
    socket.on("data", (d) => (out += d.toString("utf8")));
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
  });
}
