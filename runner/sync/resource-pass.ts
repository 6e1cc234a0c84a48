/**
 * One pass over a SCIM listing (Groups or Users): each page is mapped,
 * de-duplicated, diffed and its creates and updates gathered into chunks
 * (write-buffer.ts) that are written while the next page is fetched. The
 * counters count what MongoDB acknowledged, never what was planned.
 *
 * Creates of users are routed first (identity/matching.ts): an existing OFM
 * account is linked instead of a second one created; a create that an
 * account the sync owns matches waits for the end of the run (resolver.ts).
 * Writes a unique index refused are kept for the same resolution.
 * Deactivating updates are only collected: the engine applies them after
 * the gate has granted them, and absence counts only when the listing is
 * proven complete (`listing`).
 *
 * @module
 */
import type { MapResult } from "../../shared/mapping.ts";
import type { ResourceError } from "../../shared/ofm-documents.ts";
import type { ListingEnd } from "../scim/listing-proof.ts";
import type { ScimClient } from "../scim/scim-client.ts";
import type { Account } from "../identity/ports.ts";
import {
  type BatchPlan,
  type Change,
  diffBatch,
  type ExistingIndex,
  type Incoming,
} from "./diff.ts";
import type { WriteOutcome } from "./ports.ts";
import { addErrors, type SyncStats } from "./sync-stats.ts";
import { createReadAhead } from "./read-ahead.ts";
import { createWriteBuffer } from "./write-buffer.ts";
import type { WriteQueue } from "./write-queue.ts";

/**
 * Changes handed to the store at a time, gathered across pages (write-buffer.ts). 999, not
 * 1,000: the MongoDB driver puts at most `maxWriteBatchSize - 1` statements in one command,
 * so on a server that announces 1,000 (mongo-java-server) every chunk of 1,000 went as two
 * commands one after the other, 999 then 1 (store/bulk.ts, ONE_COMMAND).
 */
export const WRITE_CHUNK = 999;
/** Resources mapped and held at most while the index is still being read (read-ahead.ts). */
export const READ_AHEAD = 10_000;

/** Where a chunk of creates goes (users: matching; org units: all inserted). */
export interface Routed<T> {
  insert: Change<T>[];
  link: { change: Change<T>; account: Account }[];
  /** Matched by an account the sync owns: decided at the end of the run. */
  match: Change<T>[];
  errors: ResourceError[];
}

/** What differs between the org unit pass and the user pass. */
export interface ResourceSpec<T extends { isActive: boolean }> {
  resource: "Groups" | "Users";
  /** Prefix of the stats counters: `orgUnits` or `users`. */
  counters: "orgUnits" | "users";
  map: (raw: unknown) => MapResult<T>;
  key: (doc: T) => string;
  hash: (doc: T) => string;
  create: (changes: readonly Change<T>[]) => Promise<WriteOutcome<T>>;
  update: (changes: readonly Change<T>[]) => Promise<WriteOutcome<T>>;
  /** Users: matching on first contact. Absent: every create is inserted. */
  route?: (creates: readonly Change<T>[]) => Promise<Routed<T>>;
  link?: (links: Routed<T>["link"]) => Promise<WriteOutcome<T>>;
}

/** A write still to resolve at the end of the run. */
export type PassIntent<T> =
  | { kind: "insert" | "update" | "match"; change: Change<T> }
  | { kind: "link"; change: Change<T>; account: Account };

/** What a pass leaves for the end of the run. */
export interface PassResult<T> {
  seen: Set<string>;
  /** Updates that deactivate, held for the gate. */
  held: Change<T>[];
  /** Planned, for the dry run's plan: keys to create, link, match, update. */
  created: string[];
  linked: string[];
  matched: string[];
  updated: string[];
  /** Writes refused by a unique index, and creates an account the sync owns matches. */
  intents: PassIntent<T>[];
  /** How the listing ended: absence proves nothing unless `complete`. */
  listing: ListingEnd;
}

/** What a pass is given. */
export interface PassContext {
  client: ScimClient;
  write: WriteQueue;
  stats: SyncStats;
  list: { count: number; filter?: string; cursor: boolean; signal?: AbortSignal };
  onPage: (page: { fetched: number; totalResults: number; pageNo: number }) => void;
  /** Called after each page once its writes are queued (the memory budget). */
  afterPage?: () => void;
  /** Called once the last page has arrived, before the last writes are done (passes.ts). */
  onListed?: () => void;
  /** Each diffed batch, before its writes are queued (a dry run keeps the new values: the preview). */
  onDiff?: (batch: BatchPlan<{ isActive: boolean }>) => void;
}

/**
 * Runs one pass. `index` may still be on its way: pages are mapped and
 * hashed meanwhile (up to {@linkcode READ_AHEAD} resources) and diffed once it
 * is there.
 *
 * @example
 * ```ts
 * const users = await resourcePass(userSpec, store.userIndex(), { client, write, stats, list, onPage });
 * ```
 */
export async function resourcePass<T extends { isActive: boolean }>(
  spec: ResourceSpec<T>,
  index: ExistingIndex | Promise<ExistingIndex>,
  ctx: PassContext,
): Promise<PassResult<T>> {
  const out: Omit<PassResult<T>, "listing"> = {
    seen: new Set(),
    held: [],
    created: [],
    linked: [],
    matched: [],
    updated: [],
    intents: [],
  };
  const { stats } = ctx;
  const c = spec.counters;
  const refused = (kind: "insert" | "update") => (r: WriteOutcome<T>) => {
    addErrors(stats, r.errors);
    for (const x of r.refused) out.intents.push({ kind, change: x.change });
  };
  const creates = createWriteBuffer<T>(
    (changes) => writeCreates(spec, changes, ctx, out),
    WRITE_CHUNK,
  );
  const updates = createWriteBuffer<T>(
    (changes) =>
      ctx.write(() => spec.update(changes), (r) => {
        stats[`${c}Updated`] += r.written;
        refused("update")(r);
      }),
    WRITE_CHUNK,
  );
  let announced = 0;
  const ahead = createReadAhead(index, READ_AHEAD, async (items: Incoming<T>[], existing) => {
    // A delta's index reads only the keys it was sent (store/keyed-index.ts); a whole one has them.
    await existing.load(items.map((i) => i.key), announced);
    const batch = diffBatch(items, existing);
    // Diffed: only absence asks of these entries again, and the listing's own keys answer that.
    for (const i of items) existing.forget(i.key);
    ctx.onDiff?.(batch);
    stats[`${c}Unchanged`] += batch.unchanged;
    out.held.push(...batch.deactivatingUpdates);
    out.updated.push(...batch.updates.map((u) => spec.key(u.doc)));
    await creates.add(batch.creates);
    await updates.add(batch.updates);
  });
  const listing = await readPages(spec, ctx, out.seen, (items, total) => {
    announced = total;
    return ahead.add(items);
  });
  ctx.onListed?.();
  await ahead.flush();
  await creates.flush();
  await updates.flush();
  await ctx.write.drain();
  return { ...out, listing };
}

/** Routes a chunk of creates (matching), then queues the inserts and links. */
async function writeCreates<T extends { isActive: boolean }>(
  spec: ResourceSpec<T>,
  changes: readonly Change<T>[],
  ctx: PassContext,
  out: Omit<PassResult<T>, "listing">,
): Promise<void> {
  const { stats } = ctx;
  const c = spec.counters;
  const routed = spec.route
    ? await spec.route(changes)
    : { insert: [...changes], link: [], match: [], errors: [] };
  addErrors(stats, routed.errors);
  out.created.push(...routed.insert.map((x) => spec.key(x.doc)));
  out.linked.push(...routed.link.map((x) => spec.key(x.change.doc)));
  out.matched.push(...routed.match.map((x) => spec.key(x.doc)));
  for (const m of routed.match) out.intents.push({ kind: "match", change: m });
  for (const l of routed.link) {
    // A link never deactivates; an account the directory lists as inactive is deactivated
    // at the end of the run, with the others, through the gate.
    if (!l.change.doc.isActive && l.account.isActive) {
      out.held.push({ kind: "update", doc: l.change.doc, hash: l.change.hash, deactivates: true });
    }
  }
  if (routed.link.length > 0 && spec.link) {
    const links = routed.link;
    await ctx.write(() => spec.link!(links), (r) => {
      stats.usersLinked = (stats.usersLinked ?? 0) + r.written;
      addErrors(stats, r.errors);
      for (const x of r.refused) {
        const l = links.find((y) => y.change === x.change);
        if (l) out.intents.push({ kind: "link", change: l.change, account: l.account });
      }
    });
  }
  if (routed.insert.length === 0) return;
  await ctx.write(() => spec.create(routed.insert), (r) => {
    stats[`${c}Created`] += r.written;
    addErrors(stats, r.errors);
    for (const x of r.refused) out.intents.push({ kind: "insert", change: x.change });
  });
}

/** Reads the listing page by page; returns how it ended (the generator's return value). */
async function readPages<T extends { isActive: boolean }>(
  spec: ResourceSpec<T>,
  ctx: PassContext,
  seen: Set<string>,
  add: (items: Incoming<T>[], totalResults: number) => Promise<void>,
): Promise<ListingEnd> {
  // The listing's proof keeps its ids in `seen`: one set of a million ids, not two.
  const pages = ctx.client.pages(spec.resource, { ...ctx.list, ids: seen });
  for (;;) {
    // Not `for await`: the generator's return value is the listing's proof.
    const step = await pages.next();
    if (step.done) return step.value;
    const page = step.value;
    const items = mapPage(page.resources, spec, seen, ctx.stats);
    ctx.stats[`${spec.counters}Fetched`] = seen.size;
    await add(
      items.map((d) => ({ key: spec.key(d), hash: spec.hash(d), isActive: d.isActive, doc: d })),
      page.totalResults,
    );
    ctx.onPage(page);
    ctx.afterPage?.();
  }
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
    // The pager left out repeats and put each id in `seen`; a key that is not its id
    // (a mapping change) still counts as present.
    seen.add(spec.key(r.value));
    out.push(r.value);
  }
  return out;
}
