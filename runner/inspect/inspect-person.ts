/**
 * The person inspector: one look-up (email, ssoUserId or employee number)
 * that gathers the OFM document, the directory's current record fetched
 * live (`GET /Users/{id}`), the field-by-field comparison with the mapping
 * applied, the last changes from `syncChanges`, the last webhook events for
 * the person, the names behind the ids it points to (department, company,
 * position, manager), when the next full sync is due, and the verdict
 * (verdict.ts) with the facts it needs: whether the stored fields still hash
 * to the stored content hash, and the person's webhook events. Reads only.
 *
 * @module
 */
import { heldId, type HeldItem, REASON_TEXT } from "../documents/held-item.ts";
import { mapUser } from "../../shared/mapping.ts";
import { emailKeyOf } from "../documents/match-key.ts";
import type { OfmUser } from "../../shared/ofm-documents.ts";
import { contentHash } from "../content-hash.ts";
import type { HistoryEntry } from "../scheduler/schedule.ts";
import type { ScimClient } from "../scim/scim-client.ts";
import type { ChangeDoc, SyncHistoryDoc, WebhookEventDoc } from "../store/collections.ts";
import type { StoredUser } from "../store/person-store.ts";
import { nextFullSync } from "./next-full-sync.ts";
import {
  compareFields,
  type FieldRow,
  type Finding,
  type LiveRecord,
  stepState,
  verdict,
} from "./verdict.ts";

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
  /** The person's held deactivation (store/held-store.ts); without it, only held events count. */
  heldOf?: (id: string) => Promise<readonly HeldItem[]>;
  /** Names of ids (store/name-lookup.ts); without it, ids only. */
  names?: {
    users(
      ids: readonly string[],
    ): Promise<Map<string, { name: string | null; email: string | null }>>;
    orgUnits(ids: readonly string[]): Promise<Map<string, { name: string | null }>>;
  };
  /** The schedule's facts, for the next full sync's time; without it, no time is given. */
  schedule?: { recentHistory(n: number): Promise<HistoryEntry[]>; intervalMs: number };
  /** The fields the content hash covers (content-hash.ts `userHashFields`): an OFM edit shows there. */
  userHashFields?: readonly string[];
  /** How the verdict's texts print an instant. @default ISO 8601 */
  time?: (d: Date) => string;
  now?: () => Date;
}

/** The id fields of a user that point at an org unit or a person. */
export const REFERENCE_FIELDS = ["departmentId", "companyId", "positionId", "managerId"] as const;

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
  /** `in_step` when OFM agrees with the SSO (or differs only on purpose). */
  state: "in_step" | "out_of_step" | "unknown";
  /** Names of the org units and the manager the person points to, by id (`"D-7"` → "Finance"). */
  names: Record<string, string>;
  /** When the next full sync is due (the schedule's rules over syncHistory); null when unknown. */
  nextFullSyncAt: Date | null;
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
  const liveUser: OfmUser | null = live.kind === "ok" ? live.user : null;
  const [changes, events, lastRun, nextFullSyncAt, heldItems] = await Promise.all([
    ssoUserId ? deps.changes.forResource("User", ssoUserId, 20) : Promise.resolve([]),
    ssoUserId ? deps.people.eventsFor(ssoUserId, 20) : Promise.resolve([]),
    deps.people.lastRun(),
    nextFull(deps),
    ssoUserId && deps.heldOf ? deps.heldOf(heldId("User", ssoUserId)) : Promise.resolve([]),
  ]);
  const heldItem = heldItems.find((h) => h.status === "held");
  // The old values of the change log are named too: a department left behind is still a name.
  const changed = changes.flatMap((c) =>
    Object.entries(c.values).flatMap(([f, v]) => [{ [f]: v.old }, { [f]: v.new }])
  );
  const names = await namesOf(deps, [ofm, liveUser, ...changed]);
  const ofmFields = ofm as Record<string, unknown> | null;
  const findings = verdict({
    ofm: ofmFields,
    live,
    excludeFields: deps.excludeFields,
    held: events.filter((e) => e.status === "held").length,
    heldItem: heldItem ? { reasonText: REASON_TEXT[heldItem.reason], since: heldItem.since } : null,
    lastFilter: lastRun?.type === "scim_full_sync" ? lastRun.filter ?? null : null,
    conflict: conflictOf(ssoUserId, lastRun, events),
    ofmEdited: ofmEdited(ofm, deps.userHashFields),
    events,
    time: deps.time,
  });
  return {
    key,
    ssoUserId,
    ofm,
    sso: raw,
    live,
    fields: compareFields(ofmFields, liveUser, deps.excludeFields),
    findings,
    state: stepState(findings),
    names,
    nextFullSyncAt,
    changes,
    events,
  };
}

/** Stored fields that no longer hash to the hash the sync stored: someone edited OFM. */
function ofmEdited(ofm: StoredUser | null, fields: readonly string[] | undefined): boolean {
  if (!ofm || !fields || !ofm.syncHash) return false;
  return contentHash(ofm as unknown as Record<string, unknown>, fields) !== ofm.syncHash;
}

async function nextFull(deps: InspectDeps): Promise<Date | null> {
  if (!deps.schedule) return null;
  const now = deps.now?.() ?? new Date();
  return nextFullSync(await deps.schedule.recentHistory(100), now, deps.schedule);
}

/** The names behind the reference ids of both sides (OFM's and the SSO's may differ). */
async function namesOf(
  deps: InspectDeps,
  sides: readonly (Record<string, unknown> | null)[],
): Promise<Record<string, string>> {
  if (!deps.names) return {};
  const ids = (field: string) =>
    sides.map((s) => s?.[field]).filter((v): v is string => typeof v === "string" && v !== "");
  const unitIds = [...new Set(REFERENCE_FIELDS.filter((f) => f !== "managerId").flatMap(ids))];
  const [units, users] = await Promise.all([
    deps.names.orgUnits(unitIds),
    deps.names.users([...new Set(ids("managerId"))]),
  ]);
  const out: Record<string, string> = {};
  for (const [id, ref] of units) if (ref.name) out[id] = ref.name;
  for (const [id, ref] of users) {
    const name = ref.name ?? ref.email;
    if (name) out[id] = name;
  }
  return out;
}
