/**
 * What one paged SCIM listing proves. A run may deactivate by absence only
 * when the listing saw exactly as many distinct resources as `totalResults`
 * announced, with the announced total the same on every page, and the last
 * page ended the announced range. How the server answers a request past the
 * end is not part of the proof: RFC 7644 §3.4.2.4 leaves it open, and real
 * servers answer it with an empty page, or with their first page again.
 *
 * Index paging ends on the page that completes the announced range when that
 * page came back shorter than asked (and than the pages before it): a server
 * that stops short has nothing more. When the range ends on a full page the
 * pager asks once more, since only that request shows a total that was too
 * low; an empty page or a page of ids already seen is the end. RFC 9865
 * cursors end on a page without `nextCursor`.
 *
 * A listing that cannot end — a page with no resource not seen before while
 * announced ids are still missing, a cursor handed out twice, more resources
 * than announced plus a margin — is stopped with {@linkcode ListingRunawayError}.
 * Since every page but the last must add an unseen id, the number of pages is
 * bounded by the same margin.
 *
 * Pure: fed pages, answers what the pager does next, or throws.
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
  /** Pages requested, a page past the end included. */
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

/** One page as the proof needs it: what was served is `resources`, never `itemsPerPage`. */
export interface ProofPage {
  resources: readonly unknown[];
  totalResults: number;
  /** Cursor paging: the page's nextCursor. */
  nextCursor?: string | null;
  /** Index paging: the `count` asked for; without it every page counts as full. */
  asked?: number;
}

/**
 * What the pager does with a page: `more` uses it and asks for the next one,
 * `end` uses it and stops, `past-end` stops without using it (a page made only
 * of resources already seen, answered past the end of the listing).
 */
export type ProofVerdict = "more" | "end" | "past-end";

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
 * Creates the proof of one listing. `ids` is where it keeps the ids seen
 * (the caller's, to read them after the listing; a new set by default).
 *
 * @example
 * ```ts
 * const proof = createListingProof("Users", "index");
 * proof.page({ resources: [{ id: "a" }, { id: "b" }], totalResults: 3, asked: 2 }); // "more"
 * proof.page({ resources: [{ id: "c" }], totalResults: 3, asked: 2 }); // "end": short, range done
 * proof.end().complete; // true
 * ```
 */
export function createListingProof(
  resource: string,
  mode: "index" | "cursor",
  ids: Set<string> = new Set(),
) {
  const s: ProofState = {
    ids,
    cursors: new Set(),
    announced: null,
    lastTotal: 0,
    changed: null,
    received: 0,
    pages: 0,
    largestPage: 0,
    endedEmptyWithCursor: false,
  };

  /** Checks a page; `fresh`, when given, receives its resources less repeats of an id seen before. */
  function page(p: ProofPage, fresh?: unknown[]): ProofVerdict {
    s.pages++;
    noteTotal(s, p.totalResults);
    const n = p.resources.length;
    const at = mode === "index"
      ? `page ${s.pages} (startIndex ${s.received + 1})`
      : `page ${s.pages}`;
    const next = p.nextCursor ?? null;
    if (n === 0) {
      s.endedEmptyWithCursor = mode === "cursor" && next !== null;
      return "end";
    }
    const added = addIds(s.ids, p.resources, fresh);
    if (added === 0) return pastEnd(resource, s, at);
    s.received += n;
    checkGrowth(resource, s);
    if (mode === "cursor") return cursorVerdict(resource, s, next, at);
    const short = p.asked !== undefined && n < p.asked &&
      (s.largestPage === 0 || n < s.largestPage);
    s.largestPage = Math.max(s.largestPage, n);
    return short && rangeProven(s) ? "end" : "more";
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
  /** Resources received on pages that added an id, repeats within them included. */
  received: number;
  pages: number;
  /** The most resources one page held so far: the server's page size as served. */
  largestPage: number;
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

/**
 * Adds the page's ids; returns how many were not seen before. `fresh` receives the
 * resources whose id is new, and those without one (the mapping reports them).
 */
function addIds(ids: Set<string>, resources: readonly unknown[], fresh?: unknown[]): number {
  let added = 0;
  for (const r of resources) {
    const id = idOf(r);
    if (id === null) fresh?.push(r);
    else if (!ids.has(id)) {
      ids.add(id);
      added++;
      fresh?.push(r);
    }
  }
  return added;
}

/** Whether the pages so far are exactly the announced range, each id once. */
function rangeProven(s: ProofState): boolean {
  return s.changed === null && s.received === s.announced && s.ids.size === s.announced;
}

/**
 * A page of ids already seen: past the end when every announced id has come
 * (a server that answers past the end with its first page again), a listing
 * going round in circles while some are still missing.
 */
function pastEnd(resource: string, s: ProofState, at: string): "past-end" {
  const missing = s.lastTotal - s.ids.size;
  if (missing > 0) {
    throw new ListingRunawayError(
      "no-new-ids",
      resource,
      `${at} added no resource not already seen, with ${missing} of the ${s.lastTotal} announced still missing`,
    );
  }
  return "past-end";
}

/** Stops a listing that grew past the announced total and its margin. */
function checkGrowth(resource: string, s: ProofState): void {
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

/** Cursor paging ends without a nextCursor and stops on one handed out twice. */
function cursorVerdict(resource: string, s: ProofState, next: string | null, at: string) {
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
