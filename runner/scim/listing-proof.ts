/**
 * What one paged SCIM listing proves. A run may deactivate by absence only
 * when the listing ended the way RFC 7644 says (index paging: an empty page
 * once startIndex passed totalResults; RFC 9865 cursors: no nextCursor) and
 * it saw as many distinct resources as its first page announced, with the
 * announced total never changing. Anything else is recorded as incomplete.
 *
 * A listing that cannot end — a page with no resource not seen before, a
 * cursor handed out twice, more resources than announced plus a margin — is
 * stopped with {@linkcode ListingRunawayError}. Since every page but the last
 * must add an unseen id, the number of pages is bounded by the same margin.
 *
 * Pure: fed pages, answers "more", "end" or throws.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";

/** How a listing ended. */
export interface ListingEnd {
  resource: string;
  /** Proven complete: absence from it means absence from the directory. */
  complete: boolean;
  /** Why it is not proven, for a person; null when complete. */
  reason: string | null;
  /** totalResults of the first page. */
  announced: number;
  /** Distinct resource ids seen. */
  distinct: number;
  pages: number;
}

/** Which rule stopped a listing. */
export type RunawayKind = "no-new-ids" | "repeated-cursor" | "past-announced-total";

/**
 * The SSO's listing would not end; the run stops instead of paging forever.
 *
 * @example
 * ```ts
 * throw new ListingRunawayError("no-new-ids", "Users", "page 3 (startIndex 201) …");
 * ```
 */
export class ListingRunawayError extends ScimSyncError {
  readonly kind: RunawayKind;
  constructor(kind: RunawayKind, resource: string, detail: string) {
    super(
      "SCIM_LISTING_RUNAWAY",
      `The SSO's ${resource} listing does not end: ${detail}. The run stopped instead of paging forever; ` +
        `nobody was deactivated. Check the SSO's paging.`,
    );
    this.kind = kind;
  }
}

/** One page as the proof needs it. */
export interface ProofPage {
  resources: readonly unknown[];
  totalResults: number;
  /** Cursor paging: the page's nextCursor. */
  nextCursor?: string | null;
}

/**
 * Growth allowed past the announced total while listing (people joining mid-run).
 *
 * @example
 * ```ts
 * growthMargin(240); // 100
 * growthMargin(100_000); // 10000
 * ```
 */
export function growthMargin(announced: number): number {
  return Math.max(100, Math.ceil(announced / 10));
}

/**
 * Creates the proof of one listing.
 *
 * @example
 * ```ts
 * const proof = createListingProof("Users", "index");
 * proof.page({ resources: [{ id: "a" }], totalResults: 1 }); // "more"
 * proof.page({ resources: [], totalResults: 1 }); // "end"
 * proof.end().complete; // true
 * ```
 */
export function createListingProof(resource: string, mode: "index" | "cursor") {
  const s: ProofState = {
    ids: new Set(),
    cursors: new Set(),
    announced: null,
    lastTotal: 0,
    changed: null,
    received: 0,
    pages: 0,
    endedEmptyWithCursor: false,
  };

  function page(p: ProofPage): "more" | "end" {
    s.pages++;
    noteTotal(s, p.totalResults);
    const n = p.resources.length;
    const at = mode === "index"
      ? `page ${s.pages} (startIndex ${s.received + 1})`
      : `page ${s.pages}`;
    s.received += n;
    const added = addIds(s.ids, p.resources);
    const next = p.nextCursor ?? null;
    if (n === 0) {
      s.endedEmptyWithCursor = mode === "cursor" && next !== null;
      return "end";
    }
    checkProgress(resource, s, added, at);
    if (mode === "index") return "more";
    if (next === null || next === "") return "end";
    if (s.cursors.has(next)) {
      throw new ListingRunawayError(
        "repeated-cursor",
        resource,
        `${at} handed out a nextCursor it had given before`,
      );
    }
    s.cursors.add(next);
    return "more";
  }

  function end(): ListingEnd {
    const reason = incompleteReason(mode, s);
    return {
      resource,
      complete: reason === null,
      reason,
      announced: s.announced ?? 0,
      distinct: s.ids.size,
      pages: s.pages,
    };
  }

  return { page, end };
}

/** What the proof remembers of the pages so far. */
interface ProofState {
  ids: Set<string>;
  cursors: Set<string>;
  /** totalResults of the first page. */
  announced: number | null;
  lastTotal: number;
  /** Why the announced total is not to be trusted, once it changed. */
  changed: string | null;
  /** Resources received, repeats included. */
  received: number;
  pages: number;
  endedEmptyWithCursor: boolean;
}

/** Keeps the first page's total and notes the first change of it. */
function noteTotal(s: ProofState, total: number): void {
  if (s.announced === null) s.announced = total;
  else if (total !== s.lastTotal && s.changed === null) {
    s.changed =
      `totalResults changed during the listing (${s.announced} on page 1, ${total} on page ${s.pages})`;
  }
  s.lastTotal = total;
}

/** Adds the page's ids; returns how many were not seen before. */
function addIds(ids: Set<string>, resources: readonly unknown[]): number {
  let added = 0;
  for (const r of resources) {
    const id = idOf(r);
    if (id !== null && !ids.has(id)) {
      ids.add(id);
      added++;
    }
  }
  return added;
}

/** Stops a listing that added nothing new or grew past the announced total and its margin. */
function checkProgress(resource: string, s: ProofState, added: number, at: string): void {
  if (added === 0) {
    throw new ListingRunawayError(
      "no-new-ids",
      resource,
      `${at} added no resource not already seen`,
    );
  }
  const announced = s.announced ?? 0;
  const limit = announced + growthMargin(announced);
  if (s.ids.size > limit) {
    throw new ListingRunawayError(
      "past-announced-total",
      resource,
      `${s.ids.size} distinct resources in ${s.pages} pages where totalResults announced ${announced} (at most ${limit} allowed)`,
    );
  }
}

/** Why the ended listing is not proven complete, or null when it is. */
function incompleteReason(mode: "index" | "cursor", s: ProofState): string | null {
  const total = s.announced ?? 0;
  if (s.changed) return s.changed;
  if (s.endedEmptyWithCursor) {
    return "the listing ended with an empty page that still offered a nextCursor";
  }
  if (mode === "index" && s.received < total) {
    return `the listing ended with an empty page at startIndex ${
      s.received + 1
    } while totalResults announced ${total}`;
  }
  if (s.received > total) {
    return `the SSO returned ${s.received} resources where totalResults announced ${total}`;
  }
  if (s.ids.size < total) {
    return `only ${s.ids.size} distinct resources where totalResults announced ${total}`;
  }
  return null;
}

function idOf(r: unknown): string | null {
  if (r === null || typeof r !== "object") return null;
  const id = (r as { id?: unknown }).id;
  return typeof id === "string" && id !== "" ? id : null;
}
