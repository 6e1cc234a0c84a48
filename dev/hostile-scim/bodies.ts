/**
 * The hostile SCIM server's oversized bodies, produced without ever holding
 * them in memory: an endless chunked body, a gzip bomb (a few hundred KB on
 * the wire, hundreds of MiB inflated) and a huge but well-formed page.
 *
 * @module
 */
import { createGzip } from "node:zlib";

const CHUNK = 64 * 1024;

/**
 * A body that never ends: a ListResponse opening followed by JSON whitespace
 * forever, in 64 KiB chunks, until the client goes away.
 *
 * @example
 * ```ts
 * return new Response(endlessBody(), { headers: { "Content-Type": "application/scim+json" } });
 * ```
 */
export function endlessBody(): ReadableStream<Uint8Array> {
  const spaces = new Uint8Array(CHUNK).fill(0x20);
  let opened = false;
  return new ReadableStream({
    pull(controller) {
      if (!opened) {
        opened = true;
        controller.enqueue(new TextEncoder().encode('{"totalResults":1,"Resources":['));
      }
      controller.enqueue(spaces);
    },
  });
}

/**
 * A page of `bytes` bytes: one user whose displayName is that long, streamed.
 *
 * @example
 * ```ts
 * return new Response(hugePage(200 * 1024 * 1024));
 * ```
 */
export function hugePage(bytes: number): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const head = enc.encode(
    '{"totalResults":1,"itemsPerPage":1,"Resources":[{"id":"huge","userName":"huge@ias.co.id","displayName":"',
  );
  const tail = enc.encode('"}]}');
  const xs = new Uint8Array(CHUNK).fill(0x78);
  let left = bytes - head.length - tail.length;
  let started = false;
  return new ReadableStream({
    pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(head);
        return;
      }
      if (left <= 0) {
        controller.enqueue(tail);
        controller.close();
        return;
      }
      const n = Math.min(left, CHUNK);
      left -= n;
      controller.enqueue(n === CHUNK ? xs : xs.subarray(0, n));
    },
  });
}

const bombs = new Map<number, Promise<Uint8Array<ArrayBuffer>>>();

/**
 * Gzip of `inflated` bytes of JSON whitespace after a ListResponse opening,
 * compressed in a stream (never held inflated); cached per size.
 *
 * @example
 * ```ts
 * const gz = await gzipBomb(256 * 1024 * 1024); // ~260 KB
 * return new Response(gz, { headers: { "Content-Encoding": "gzip" } });
 * ```
 */
export function gzipBomb(inflated: number): Promise<Uint8Array<ArrayBuffer>> {
  let bomb = bombs.get(inflated);
  if (!bomb) {
    bomb = new Promise<Uint8Array<ArrayBuffer>>((resolve, reject) => {
      const gz = createGzip({ level: 9 });
      const out: Buffer[] = [];
      gz.on("data", (b: Buffer) => out.push(b));
      gz.on("end", () => resolve(new Uint8Array(Buffer.concat(out))));
      gz.on("error", reject);
      const spaces = Buffer.alloc(1024 * 1024, 0x20);
      gz.write('{"totalResults":1,"Resources":[');
      let left = inflated;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, spaces.length);
          left -= n;
          if (!gz.write(n === spaces.length ? spaces : spaces.subarray(0, n))) {
            return void gz.once("drain", pump);
          }
        }
        gz.end();
      };
      pump();
    });
    bombs.set(inflated, bomb);
  }
  return bomb;
}
