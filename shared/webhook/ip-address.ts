/**
 * IP addresses and CIDR blocks as 128-bit numbers, for the webhook source
 * allowlist. Pure string parsing, runtime-neutral. An IPv4 address is held
 * as its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`), so `10.0.0.0/8` also
 * matches a peer reported as `::ffff:10.1.2.3` (a dual-stack socket), and
 * `0.0.0.0/0` means every IPv4 peer while `::/0` means every peer.
 *
 * @module
 */

/** A parsed CIDR block: the network (host bits zero) and its prefix in the 128-bit space. */
export interface Cidr {
  network: bigint;
  /** Prefix length over 128 bits (an IPv4 /8 is 104). */
  prefix: number;
  /** As written in the configuration, for messages. */
  text: string;
}

const MAPPED = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

function parseIpv4(text: string): bigint | null {
  if (!IPV4.test(text)) return null;
  return text.split(".").reduce((n, octet) => (n << 8n) | BigInt(octet), 0n);
}

/** The 16-bit groups of one side of `::`; an IPv4 tail counts as two. */
function groups(part: string, last: boolean): bigint[] | null {
  if (part === "") return [];
  const items = part.split(":");
  const out: bigint[] = [];
  for (const [i, item] of items.entries()) {
    if (last && i === items.length - 1 && item.includes(".")) {
      const v4 = parseIpv4(item);
      if (v4 === null) return null;
      out.push(v4 >> 16n, v4 & 0xffffn);
    } else if (HEX_GROUP.test(item)) {
      out.push(BigInt(parseInt(item, 16)));
    } else {
      return null;
    }
  }
  return out;
}

function parseIpv6(text: string): bigint | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1]!, true) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  // Without `::` exactly eight groups; with it, at least one group is zeros.
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<bigint>(halves.length === 2 ? missing : 0).fill(0n), ...tail];
  return all.reduce((n, g) => (n << 16n) | g, 0n);
}

/**
 * An address as a 128-bit number (IPv4 as IPv4-mapped IPv6), or null when it
 * is not one. Accepts `[::1]` brackets and drops an IPv6 zone (`fe80::1%eth0`).
 *
 * @example
 * ```ts
 * parseIp("10.0.0.1") === parseIp("::ffff:10.0.0.1"); // true
 * parseIp("10.0.0.256"); // null
 * ```
 */
export function parseIp(text: string): bigint | null {
  let t = text.trim();
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  if (t.includes(":")) return parseIpv6(t.replace(/%[\w.-]+$/, ""));
  const v4 = parseIpv4(t);
  return v4 === null ? null : MAPPED | v4;
}

/**
 * A CIDR block (`10.0.0.0/8`, `2001:db8::/32`) or a single address (`/32`,
 * `/128`). Host bits must be zero, so a typo such as `10.0.0.1/8` is caught.
 *
 * @returns the block, or a message saying what is wrong
 * @example
 * ```ts
 * parseCidr("192.168.0.0/16"); // { ok: true, cidr: { prefix: 112, … } }
 * parseCidr("10.0.0.1/8"); // { ok: false, message: "10.0.0.1/8 has host bits set (10.0.0.0/8?)" }
 * ```
 */
export function parseCidr(text: string): { ok: true; cidr: Cidr } | { ok: false; message: string } {
  const [addr = "", len, extra] = text.trim().split("/");
  const ip = parseIp(addr);
  const v4 = !addr.includes(":");
  const max = v4 ? 32 : 128;
  if (ip === null || extra !== undefined || (len !== undefined && !/^\d{1,3}$/.test(len))) {
    return { ok: false, message: `${text} is not an IP address or CIDR block` };
  }
  const bits = len === undefined ? max : Number(len);
  if (bits > max) return { ok: false, message: `${text} has a prefix longer than /${max}` };
  const prefix = v4 ? 96 + bits : bits;
  const network = ip & maskOf(prefix);
  if (network !== ip) {
    return { ok: false, message: `${text} has host bits set (${shown(network, v4)}/${bits}?)` };
  }
  return { ok: true, cidr: { network, prefix, text: text.trim() } };
}

/**
 * Whether an address (as from {@linkcode parseIp}) lies in a block.
 *
 * @example
 * ```ts
 * inCidr(parseIp("10.9.8.7")!, cidr("10.0.0.0/8")); // true
 * ```
 */
export function inCidr(ip: bigint, cidr: Cidr): boolean {
  return (ip & maskOf(cidr.prefix)) === cidr.network;
}

function maskOf(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL >> BigInt(128 - prefix)) << BigInt(128 - prefix);
}

/** An address for a message: dotted for IPv4, plain hex groups for IPv6. */
function shown(ip: bigint, v4: boolean): string {
  if (v4) return [24n, 16n, 8n, 0n].map((s) => String((ip >> s) & 0xffn)).join(".");
  return Array.from({ length: 8 }, (_, i) => ((ip >> BigInt(112 - 16 * i)) & 0xffffn).toString(16))
    .join(":");
}
