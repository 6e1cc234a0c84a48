/**
 * What identity decisions (matching on first contact, and values that move
 * between people under unique indexes) need of persistence and of the
 * directory, declared here so that sync/ and ingest/ share them and neither
 * imports store/.
 *
 * @module
 */
import type { OfmUser } from "../../shared/ofm-documents.ts";
import type { ChangeOrigin } from "../documents/change-record.ts";
import type { Change, WriteOutcome } from "../documents/changes.ts";
import type { DocId } from "../documents/doc-id.ts";
import type { SyncSource } from "../documents/stored-docs.ts";

/**
 * An account in `users`, as identity decisions see it: one the sync owns
 * (`ssoUserId` set) or one of OFM's own (`ssoUserId` null).
 *
 * @example
 * ```ts
 * const a: Account = { id, ssoUserId: null, email: "admin@ias.co.id", isActive: true, values: { email: "admin@ias.co.id" } };
 * ```
 */
export interface Account {
  id: DocId;
  ssoUserId: string | null;
  email: string | null;
  isActive: boolean;
  /** The stored values of every field of a unique index (and the mapped fields, for the change log). */
  values: Record<string, unknown>;
}

/** A create matched to an existing account: linked (no SSO id) or relinked (its SSO id left). */
export interface LinkWrite {
  account: Account;
  change: Change<OfmUser>;
}

/** One unique value to free on an account for the length of a run. */
export interface ParkWrite {
  account: Account;
  field: string;
}

/**
 * The store's side of identity.
 *
 * @example
 * ```ts
 * const accounts = await identity.unlinked(); // OFM's own accounts, once per run
 * ```
 */
export interface IdentityStore {
  /** OFM's own accounts (no string `ssoUserId`), every one: matched against a run's creates. */
  unlinked(): Promise<Account[]>;
  /** OFM's own accounts whose match value is one of `values` (one webhook's create). */
  unlinkedMatching(values: readonly string[]): Promise<Account[]>;
  /** The sync's own accounts whose match value is one of `values`. */
  ownedMatching(values: readonly string[]): Promise<Account[]>;
  /** Accounts holding a value one of `docs` would write under a unique index (never their own). */
  holders(docs: readonly OfmUser[]): Promise<Account[]>;
  /** Key patterns of the unique indexes on `users` besides `_id` and `ssoUserId`. */
  uniqueIndexes(): string[][];
  /** Gives unlinked accounts their SSO id and the directory's fields; only while still unlinked. */
  link(
    items: readonly LinkWrite[],
    source: SyncSource,
    origin?: ChangeOrigin,
  ): Promise<WriteOutcome<OfmUser>>;
  /** Re-keys accounts whose SSO id left to the returning person's; only while still so keyed. */
  relink(
    items: readonly LinkWrite[],
    source: SyncSource,
    origin?: ChangeOrigin,
  ): Promise<WriteOutcome<OfmUser>>;
  /** Frees values (a parked placeholder, and an empty hash so the next run rewrites them). */
  park(items: readonly ParkWrite[], origin?: ChangeOrigin): Promise<number>;
  /** Puts parked values back where nobody took them meanwhile. */
  restore(items: readonly ParkWrite[]): Promise<number>;
}

/** What the directory says about one SSO id, asked live (`GET /Users/{id}`). */
export type Presence =
  | { kind: "present"; user: OfmUser | null }
  | { kind: "gone" }
  | { kind: "unknown"; reason: string };

/**
 * Asks the directory about SSO ids. "gone" only for a 404 with a SCIM error body:
 * never on the absence of an answer.
 *
 * @example
 * ```ts
 * const p = await directory.presence("u5"); // { kind: "gone" }
 * ```
 */
export interface DirectoryProbe {
  presence(ssoUserId: string): Promise<Presence>;
}
