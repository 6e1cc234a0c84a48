/**
 * Listing as RFC 7644 §3.4.2 specifies it: filter, sort, 1-based `startIndex`
 * (below 1 means 1), `count` capped at the server's maxResults (so
 * `itemsPerPage` can be smaller than asked), and the `attributes` /
 * `excludedAttributes` projections.
 *
 * @module
 */
import type { Json } from "./directory.ts";
import {
  type AttrPath,
  keyOf,
  parseFilter,
  parsePath,
  type Predicate,
  valuesAt,
} from "./filter.ts";
import { LIST_URN } from "./scim-http.ts";

export interface ListQuery {
  filter: Predicate | null;
  startIndex: number;
  count: number;
  /** The page this request asks for, 1-based: what page faults and `onPage` key on. */
  page: number;
  sortBy: AttrPath | null;
  descending: boolean;
  attributes: string[];
  excludedAttributes: string[];
}

const intOr = (v: string | null | undefined, fallback: number) => {
  const n = v == null || v.trim() === "" ? Number.NaN : Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
};
const csv = (v: string | undefined) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/**
 * Page number and bounds from raw query values (lenient: junk means default).
 *
 * @example
 * ```ts
 * pageBounds("21", "10", 200); // { startIndex: 21, count: 10, page: 3 }
 * ```
 */
export function pageBounds(
  startIndex: string | undefined,
  count: string | undefined,
  maxResults: number,
) {
  const start = Math.max(1, intOr(startIndex, 1));
  const size = Math.min(Math.max(0, intOr(count, maxResults)), maxResults);
  return {
    startIndex: start,
    count: size,
    page: Math.floor((start - 1) / (size || maxResults)) + 1,
  };
}

/**
 * Reads a list query.
 *
 * @throws {import("./filter.ts").InvalidFilterError} on a bad filter or sortBy
 * @example
 * ```ts
 * readListQuery({ filter: 'userName sw "a"', count: "500" }, 200).count; // 200
 * ```
 */
export function readListQuery(
  q: Record<string, string | undefined>,
  maxResults: number,
): ListQuery {
  return {
    ...pageBounds(q.startIndex, q.count, maxResults),
    filter: q.filter ? parseFilter(q.filter) : null,
    sortBy: q.sortBy ? parsePath(q.sortBy) : null,
    descending: q.sortOrder?.toLowerCase() === "descending",
    attributes: csv(q.attributes),
    excludedAttributes: csv(q.excludedAttributes),
  };
}

function sortKey(r: Json, path: AttrPath): string | number | null {
  const v = valuesAt(r, path)[0];
  return typeof v === "string"
    ? v.toLowerCase()
    : typeof v === "number" || typeof v === "boolean"
    ? Number(v)
    : null;
}

/**
 * One ListResponse page of `all` (already in creation order).
 *
 * @example
 * ```ts
 * listPage(directory.list("User"), readListQuery({ startIndex: "1", count: "2" }, 200));
 * ```
 */
export function listPage(all: readonly Json[], q: ListQuery) {
  let matched = q.filter ? all.filter(q.filter) : all;
  if (q.sortBy) {
    const path = q.sortBy;
    const keyed = matched.map((r, i) => ({ r, i, k: sortKey(r, path) }));
    const dir = q.descending ? -1 : 1;
    // Stable, and resources without the attribute go last in ascending order (RFC 7644 §3.4.2.3).
    keyed.sort((a, b) =>
      a.k === b.k
        ? a.i - b.i
        : a.k === null
        ? dir
        : b.k === null
        ? -dir
        : (a.k < b.k ? -1 : 1) * dir
    );
    matched = keyed.map((x) => x.r);
  }
  const page = matched.slice(q.startIndex - 1, q.startIndex - 1 + q.count);
  const project = q.attributes.length > 0 || q.excludedAttributes.length > 0;
  return {
    schemas: [LIST_URN],
    totalResults: matched.length,
    startIndex: q.startIndex,
    itemsPerPage: page.length,
    Resources: project
      ? page.map((r) => projection(r, q.attributes, q.excludedAttributes))
      : [...page],
  };
}

/** Where a path lives in `r`: the container object's key chain, honouring URN prefixes. */
function locate(r: Json, text: string): string[] | null {
  const whole = keyOf(r, text);
  if (whole !== undefined) return [whole]; // a full extension URN names the whole extension
  const path = parsePath(text);
  const keys: string[] = [];
  let node: unknown = r;
  if (path.schema && !path.schema.toLowerCase().startsWith("urn:ietf:params:scim:schemas:core:")) {
    const k = keyOf(r, path.schema);
    if (k === undefined) return null;
    keys.push(k);
    node = r[k];
  }
  for (const name of path.attrs) {
    const holder = Array.isArray(node) ? node[0] : node;
    if (!holder || typeof holder !== "object") return null;
    const k = keyOf(holder as Json, name);
    if (k === undefined) return null;
    keys.push(k);
    node = (holder as Json)[k];
  }
  return keys;
}

/** Copies (`keep`) or drops the value at `keys` from `src` into `out`, mapping over multi-valued attributes. */
function carry(src: unknown, out: Json, keys: string[], keep: boolean) {
  const [head, ...rest] = keys as [string, ...string[]];
  const value = (src as Json)[head];
  if (rest.length === 0 || value === null || typeof value !== "object") {
    if (keep) out[head] = value;
    else delete out[head];
    return;
  }
  if (Array.isArray(value)) {
    const prev = Array.isArray(out[head]) ? (out[head] as Json[]) : [];
    out[head] = value.map((v, i) => {
      const o: Json = keep ? { ...(prev[i] ?? {}) } : { ...(v as Json) };
      carry(v, o, rest, keep);
      return o;
    });
    return;
  }
  const o: Json = keep ? { ...((out[head] as Json) ?? {}) } : { ...(value as Json) };
  carry(value, o, rest, keep);
  out[head] = o;
}

/**
 * A resource reduced to `attributes` (plus `schemas` and `id`, always
 * returned), or without `excludedAttributes`.
 *
 * @example
 * ```ts
 * projection(user, ["userName", "name.familyName"], []); // { schemas, id, userName, name: { familyName } }
 * ```
 */
export function projection(r: Json, attributes: string[], excluded: string[]): Json {
  if (attributes.length > 0) {
    const out: Json = { schemas: r.schemas, id: r.id };
    for (const a of attributes) {
      const keys = locate(r, a);
      if (keys) carry(r, out, keys, true);
    }
    return out;
  }
  const out: Json = { ...r };
  for (const a of excluded) {
    const keys = locate(r, a);
    if (keys && !(keys.length === 1 && (keys[0] === "id" || keys[0] === "schemas"))) {
      carry(r, out, keys, false);
    }
  }
  return out;
}
