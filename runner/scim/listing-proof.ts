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
  const ids = new Set<string>();
  const cursors = new Set<string>();
  let announced: number | null = null;
  let lastTotal = 0;
  let changed: string | null = null;
  let received = 0;
  let pages = 0;
  let endedEmptyWithCursor = false;

  function page(p: ProofPage): "more" | "end" {
    pages++;
    if (announced === null) announced = p.totalResults;
    else if (p.totalResults !== lastTotal && changed === null) {
      changed =
        `totalResults changed during the listing (${announced} on page 1, ${p.totalResults} on page ${pages})`;
    }
    lastTotal = p.totalResults;
    const n = p.resources.length;
    const at = mode === "index" ? `page ${pages} (startIndex ${received + 1})` : `page ${pages}`;
    received += n;
    let added = 0;
    for (const r of p.resources) {
      const id = idOf(r);
      if (id !== null && !ids.has(id)) {
        ids.add(id);
        added++;
      }
    }
    const next = p.nextCursor ?? null;
    if (n === 0) {
      endedEmptyWithCursor = mode === "cursor" && next !== null;
      return "end";
    }
    if (added === 0) {
      throw new ListingRunawayError(
        "no-new-ids",
        resource,
        `${at} added no resource not already seen`,
      );
    }
    const limit = announced + growthMargin(announced);
    if (ids.size > limit) {
      throw new ListingRunawayError(
        "past-announced-total",
        resource,
        `${ids.size} distinct resources in ${pages} pages where totalResults announced ${announced} (at most ${limit} allowed)`,
      );
    }
    if (mode === "index") return "more";
    if (next === null || next === "") return "end";
    if (cursors.has(next)) {
      throw new ListingRunawayError(
        "repeated-cursor",
        resource,
        `${at} handed out a nextCursor it had given before`,
      );
    }
    cursors.add(next);
    return "more";
  }

  function end(): ListingEnd {
    const total = announced ?? 0;
    const reason = changed ??
      (endedEmptyWithCursor
        ? "the listing ended with an empty page that still offered a nextCursor"
        : null) ??
      (mode === "index" && received < total
        ? `the listing ended with an empty page at startIndex ${
          received + 1
        } while totalResults announced ${total}`
        : null) ??
      (received > total
        ? `the SSO returned ${received} resources where totalResults announced ${total}`
        : null) ??
      (ids.size < total
        ? `only ${ids.size} distinct resources where totalResults announced ${total}`
        : null);
    return {
      resource,
      complete: reason === null,
      reason,
      announced: total,
      distinct: ids.size,
      pages,
    };
  }

  return { page, end };
}

function idOf(r: unknown): string | null {
  if (r === null || typeof r !== "object") return null;
  const id = (r as { id?: unknown }).id;
  return typeof id === "string" && id !== "" ? id : null;
}
