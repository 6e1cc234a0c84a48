/**
 * One pass over a SCIM listing (Groups or Users): each page is mapped,
 * de-duplicated, diffed and its creates and updates gathered into chunks
 * (write-buffer.ts) that are written while the next page is fetched. Deactivating updates are only collected: the
 * engine applies them after the guard has seen the whole run, and absence
 * counts only when the listing is proven complete (`listing`).
 *
 * @module
 */
import type { MapResult } from "../../shared/mapping.ts";
import type { ListingEnd } from "../scim/listing-proof.ts";
import type { ScimClient } from "../scim/scim-client.ts";
import { type Change, diffBatch, type ExistingIndex, type Incoming } from "./diff.ts";
import type { WriteOutcome } from "./ports.ts";
import { addErrors, type SyncStats } from "./sync-stats.ts";
import { createReadAhead } from "./read-ahead.ts";
import { createWriteBuffer } from "./write-buffer.ts";
import type { WriteQueue } from "./write-queue.ts";

/** Changes handed to the store at a time, gathered across pages (write-buffer.ts). */
export const WRITE_CHUNK = 1000;
/** Resources mapped and held at most while the index is still being read (read-ahead.ts). */
export const READ_AHEAD = 10_000;

/** What differs between the org unit pass and the user pass. */
export interface ResourceSpec<T extends { isActive: boolean }> {
  resource: "Groups" | "Users";
  /** Prefix of the stats counters: `orgUnits` or `users`. */
  counters: "orgUnits" | "users";
  map: (raw: unknown) => MapResult<T>;
  key: (doc: T) => string;
  hash: (doc: T) => string;
  create: (changes: readonly Change<T>[]) => Promise<WriteOutcome>;
  update: (changes: readonly Change<T>[]) => Promise<WriteOutcome>;
}

/** What a pass leaves for the end of the run. */
export interface PassResult<T> {
  seen: Set<string>;
  /** Updates that deactivate, held for the guard. */
  held: Change<T>[];
  created: string[];
  updated: string[];
  /** How the listing ended: absence proves nothing unless `complete`. */
  listing: ListingEnd;
}

/**
 * Runs one pass. `index` may still be on its way: pages are mapped and
 * hashed meanwhile (up to {@linkcode READ_AHEAD} resources) and diffed once it
 * is there.
 *
 * @example
 * ```ts
 * const users = await resourcePass(userSpec, store.userIndex(), { client, write, stats, listOptions, onPage });
 * ```
 */
export async function resourcePass<T extends { isActive: boolean }>(
  spec: ResourceSpec<T>,
  index: ExistingIndex | Promise<ExistingIndex>,
  ctx: {
    client: ScimClient;
    write: WriteQueue;
    stats: SyncStats;
    list: { count: number; filter?: string; cursor: boolean; signal?: AbortSignal };
    onPage: (page: { fetched: number; totalResults: number; pageNo: number }) => void;
    /** Called after each page once its writes are queued (the memory budget). */
    afterPage?: () => void;
  },
): Promise<PassResult<T>> {
  const out: Omit<PassResult<T>, "listing"> = {
    seen: new Set(),
    held: [],
    created: [],
    updated: [],
  };
  const { stats } = ctx;
  const pages = ctx.client.pages(spec.resource, ctx.list);
  const creates = createWriteBuffer<T>((c) => ctx.write(() => spec.create(c), stats), WRITE_CHUNK);
  const updates = createWriteBuffer<T>((c) => ctx.write(() => spec.update(c), stats), WRITE_CHUNK);
  const ahead = createReadAhead(index, READ_AHEAD, async (items: Incoming<T>[], existing) => {
    const batch = diffBatch(items, existing);
    stats[`${spec.counters}Unchanged`] += batch.unchanged;
    stats[`${spec.counters}Created`] += batch.creates.length;
    stats[`${spec.counters}Updated`] += batch.updates.length;
    out.held.push(...batch.deactivatingUpdates);
    out.created.push(...batch.creates.map((c) => spec.key(c.doc)));
    out.updated.push(...batch.updates.map((c) => spec.key(c.doc)));
    await creates.add(batch.creates);
    await updates.add(batch.updates);
  });
  let listing: ListingEnd;
  for (;;) {
    // Not `for await`: the generator's return value is the listing's proof.
    const step = await pages.next();
    if (step.done) {
      listing = step.value;
      break;
    }
    const page = step.value;
    const items = mapPage(page.resources, spec, out.seen, stats);
    stats[`${spec.counters}Fetched`] = out.seen.size;
    await ahead.add(
      items.map((d) => ({ key: spec.key(d), hash: spec.hash(d), isActive: d.isActive, doc: d })),
    );
    ctx.onPage(page);
    ctx.afterPage?.();
  }
  await ahead.flush();
  await creates.flush();
  await updates.flush();
  await ctx.write.drain();
  return { ...out, listing };
}

function mapPage<T extends { isActive: boolean }>(
  resources: readonly unknown[],
  spec: ResourceSpec<T>,
  seen: Set<string>,
  stats: SyncStats,
): T[] {
  const out: T[] = [];
  for (const raw of resources) {
    const r = spec.map(raw);
    if (!r.ok) {
      addErrors(stats, [r.error]);
      // A malformed resource still proves presence: never deactivate it by absence.
      if (r.error.resourceId) seen.add(r.error.resourceId);
      continue;
    }
    const key = spec.key(r.value);
    // Offset pages shift when the directory changes mid-listing: skip repeats.
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r.value);
  }
  return out;
}
