/**
 * The webhook source allowlist (WEBHOOK_ALLOWED_IPS): a Hono middleware that
 * answers 403 before the body is read when the client's address is not in
 * one of the allowed CIDR blocks. The client is the connection's peer, as
 * the runtime reports it through a getter; `X-Forwarded-For` counts only
 * when the peer is one of TRUSTED_PROXIES, and then it is walked from the
 * right, skipping trusted hops, so a client cannot put a spoofed address in
 * front of the ones its proxies appended.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { type Cidr, inCidr, parseIp } from "./ip-address.ts";

/** The connection's peer address as the runtime reports it; undefined when unknown. */
export type RemoteAddress = (c: Context) => string | undefined;

/** Options of {@linkcode sourceAllowlist}. */
export interface SourceAllowlistOptions {
  /** Allowed blocks; empty: every source is allowed and the middleware does nothing. */
  allowed: readonly Cidr[];
  /** Proxies whose `X-Forwarded-For` is believed. @default [] */
  trustedProxies?: readonly Cidr[];
  /** The peer address (Deno's `info.remoteAddr.hostname`, Bun's `server.requestIP(req)`). */
  remoteAddress: RemoteAddress;
  /** Called with the refused address, for the log. */
  onRefused?: (address: string) => void;
}

const within = (ip: bigint, blocks: readonly Cidr[]) => blocks.some((b) => inCidr(ip, b));

/**
 * The client's address: the peer, or, when the peer is a trusted proxy, the
 * right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
 * Returns null when the peer is unknown or an entry it must rely on is not
 * an address (fail closed).
 *
 * @param peer the connection's peer address
 * @param forwardedFor every `X-Forwarded-For` header value, joined with commas
 * @param trusted TRUSTED_PROXIES
 * @returns the client's address as a number (see parseIp), or null
 * @example
 * ```ts
 * // a load balancer at 10.0.0.5 in front, the client claims 1.1.1.1 in its own header
 * clientAddress("10.0.0.5", "1.1.1.1, 203.0.113.9", [cidr("10.0.0.0/8")]); // 203.0.113.9
 * ```
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trusted: readonly Cidr[],
): bigint | null {
  const ip = peer === undefined ? null : parseIp(peer);
  if (ip === null || !within(ip, trusted)) return ip;
  const hops = (forwardedFor ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  let client = ip;
  for (const hop of hops.reverse()) {
    const next = parseIp(hop);
    if (next === null) return null;
    client = next;
    if (!within(next, trusted)) break;
  }
  return client;
}

/**
 * The allowlist middleware; mount it before anything reads the body.
 *
 * @example
 * ```ts
 * app.post("/api/v1/scim/webhook", sourceAllowlist({ allowed, remoteAddress: (c) => c.env.remoteAddr.hostname }), handler);
 * ```
 */
export function sourceAllowlist(options: SourceAllowlistOptions): MiddlewareHandler {
  const { allowed, trustedProxies = [], remoteAddress, onRefused } = options;
  return async (c, next) => {
    if (allowed.length > 0) {
      const peer = remoteAddress(c);
      const ip = clientAddress(peer, c.req.header("x-forwarded-for"), trustedProxies);
      if (ip === null || !within(ip, allowed)) {
        onRefused?.(peer ?? "unknown");
        throw new HTTPException(403, { message: "Source address not allowed" });
      }
    }
    await next();
  };
}
