/**
 * The person inspector: one look-up (email, ssoUserId or employee number)
 * that gathers the OFM document, the directory's current record fetched
 * live (`GET /Users/{id}`), the field-by-field comparison with the mapping
 * applied, the last changes from `syncChanges`, the last webhook events for
 * the person, and the verdict (verdict.ts). Reads only.
 *
 * @module
 */
import { mapUser } from "../../shared/mapping.ts";
import { emailKeyOf } from "../documents/match-key.ts";
import type { OfmUser } from "../../shared/ofm-documents.ts";
import type { ScimClient } from "../scim/scim-client.ts";
import type { ChangeDoc, SyncHistoryDoc, WebhookEventDoc } from "../store/collections.ts";
import type { StoredUser } from "../store/person-store.ts";
import { compareFields, type FieldRow, type Finding, type LiveRecord, verdict } from "./verdict.ts";

/** What the inspector reads (store/person-store.ts and the change log store). */
export interface InspectDeps {
  people: {
    findUser(key: string): Promise<StoredUser | null>;
    eventsFor(resourceId: string, limit: number): Promise<WebhookEventDoc[]>;
    lastRun(): Promise<SyncHistoryDoc | null>;
  };
  changes: {
    forResource(type: "User" | "Group", id: string, limit: number): Promise<ChangeDoc[]>;
  };
  client: Pick<ScimClient, "getResource" | "get">;
  excludeFields: readonly string[];
}

/**
 * Everything the person view, `--inspect` and `GET /api/v1/scim/people/:key` show.
 *
 * @example
 * ```ts
 * const report: PersonReport = await inspectPerson(deps, "jane.doe@ias.co.id");
 * report.findings[0].text;
 * ```
 */
export interface PersonReport {
  key: string;
  /** The directory id the look-up settled on; null when neither side knows the key. */
  ssoUserId: string | null;
  ofm: StoredUser | null;
  /** The raw SCIM record (null when absent or unreachable). */
  sso: unknown | null;
  live: LiveRecord;
  fields: FieldRow[];
  findings: Finding[];
  changes: ChangeDoc[];
  events: WebhookEventDoc[];
}

/**
 * Fetches the directory's record of `id`, or looks `key` up by userName when
 * OFM does not know the person. Never throws: an outage is `unreachable`.
 *
 * @example
 * ```ts
 * const { raw, live } = await fetchLive(client, "u-1", "u-1");
 * ```
 */
export async function fetchLive(
  client: InspectDeps["client"],
  id: string | null,
  key: string,
): Promise<{ raw: unknown | null; live: LiveRecord }> {
  try {
    let raw = id ? await client.getResource("Users", id) : null;
    if (raw === null && key.includes("@")) raw = await byUserName(client, key);
    if (raw === null) return { raw: null, live: { kind: "absent" } };
    const mapped = mapUser(raw);
    return {
      raw,
      live: mapped.ok
        ? { kind: "ok", user: mapped.value }
        : { kind: "invalid", message: mapped.error.message },
    };
  } catch (e) {
    return { raw: null, live: { kind: "unreachable", message: (e as Error).message } };
  }
}

/**
 * `userName eq` in the directory; an answer that does not carry that userName (compared
 * case-insensitively, as RFC 7643 makes userName) is "not found": a server that ignores
 * the filter must not make the inspector show, or the on-demand sync write, someone else.
 */
async function byUserName(client: InspectDeps["client"], email: string): Promise<unknown | null> {
  const quoted = email.replace(/["\\]/g, "");
  const list = await client.get("/Users", { filter: `userName eq "${quoted}"`, count: "2" });
  const resources = (list as { Resources?: unknown[] } | null)?.Resources ?? [];
  const wanted = emailKeyOf(email);
  const found = resources.filter((r) => {
    const name = (r as { userName?: unknown } | null)?.userName;
    return typeof name === "string" && emailKeyOf(name) === wanted;
  });
  return found.length === 1 ? found[0] : null;
}

/** Refusals only a person (or the next run) resolves, by their codes (identity/conflicts.ts). */
const CONFLICT_CODES = new Set(["CONFLICT", "MATCH_AMBIGUOUS", "HOLDER_UNCONFIRMED"]);

/** The last refusal recorded for the person: the last run's error entry, else a webhook's. */
function conflictOf(
  id: string | null,
  lastRun: SyncHistoryDoc | null,
  events: readonly WebhookEventDoc[],
): string | null {
  if (!id) return null;
  const fromRun = lastRun?.stats?.errors?.find((e) =>
    e.resourceId === id && CONFLICT_CODES.has(e.code)
  );
  if (fromRun) return fromRun.message;
  const fromEvent = events.find((e) => e.status === "conflict");
  return fromEvent?.error ?? null;
}

/**
 * Inspects one person.
 *
 * @throws whatever the store throws (the routes answer 503)
 * @example
 * ```ts
 * const report = await inspectPerson(deps, "EMP000042");
 * ```
 */
export async function inspectPerson(deps: InspectDeps, key: string): Promise<PersonReport> {
  const ofm = await deps.people.findUser(key);
  const { raw, live } = await fetchLive(deps.client, ofm?.ssoUserId ?? key, key);
  const ssoUserId = ofm?.ssoUserId ?? (live.kind === "ok" ? live.user.ssoUserId : null);
  const [changes, events, lastRun] = await Promise.all([
    ssoUserId ? deps.changes.forResource("User", ssoUserId, 20) : Promise.resolve([]),
    ssoUserId ? deps.people.eventsFor(ssoUserId, 20) : Promise.resolve([]),
    deps.people.lastRun(),
  ]);
  const liveUser: OfmUser | null = live.kind === "ok" ? live.user : null;
  const ofmFields = ofm as Record<string, unknown> | null;
  return {
    key,
    ssoUserId,
    ofm,
    sso: raw,
    live,
    fields: compareFields(ofmFields, liveUser, deps.excludeFields),
    findings: verdict({
      ofm: ofmFields,
      live,
      excludeFields: deps.excludeFields,
      held: events.filter((e) => e.status === "held").length,
      lastFilter: lastRun?.type === "scim_full_sync" ? lastRun.filter ?? null : null,
      conflict: conflictOf(ssoUserId, lastRun, events),
    }),
    changes,
    events,
  };
}
