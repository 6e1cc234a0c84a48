/**
 * `deno run bench/hmac-cost.ts`: what one WebCrypto HMAC-SHA256 costs on this
 * Deno, by body size, awaited one at a time and all at once. The edge pays one
 * `verify` per webhook and one `sign` per request it forwards; the bare handler
 * of bench/edge-load.ts pays the same `verify`, so this is the part of both
 * that no change to the edge's own code can move.
 *
 * @module
 */
import process from "node:process";

const encoder = new TextEncoder();
const key = await crypto.subtle.importKey(
  "raw",
  encoder.encode("edge-load-secret-0123456789abcdef"),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["sign", "verify"],
);
const N = 20_000;

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Wall and process CPU µs per call of `f`, awaited one after the other, after a warm-up. */
async function serial(f: () => Promise<unknown>): Promise<string> {
  for (let i = 0; i < 2_000; i++) await f();
  const t0 = performance.now();
  const c0 = cpuMicros();
  for (let i = 0; i < N; i++) await f();
  const wall = (performance.now() - t0) / N * 1000;
  return `${wall.toFixed(1)} / ${((cpuMicros() - c0) / N).toFixed(1)}`;
}

console.log("bytes\tverify µs (wall / CPU)\tsign µs (wall / CPU)\tverify, all at once (wall µs)");
for (const size of [64, 2048, 8192, 65536]) {
  const body = new Uint8Array(size).fill(65);
  const mac = await crypto.subtle.sign("HMAC", key, body);
  const verify = await serial(() => crypto.subtle.verify("HMAC", key, mac, body));
  const sign = await serial(() => crypto.subtle.sign("HMAC", key, body));
  const t0 = performance.now();
  await Promise.all(Array.from({ length: N }, () => crypto.subtle.verify("HMAC", key, mac, body)));
  const parallel = (performance.now() - t0) / N * 1000;
  console.log([size, verify, sign, parallel.toFixed(1)].join("\t"));
}
