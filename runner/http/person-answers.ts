/**
 * The JSON answers of the person routes (person-routes.tsx) as zod schemas,
 * in the form they reach the wire (ids and dates as strings): the inspector's
 * report and the on-demand sync's result. The OpenAPI document is generated
 * from them; tsc holds the sync answers to their result types, and schemathesis
 * (scripts/fuzz.ts) checks the live runner's reports against
 * {@linkcode PersonReportAnswer}.
 *
 * @module
 */
import { z } from "zod";
import type { OrgUnitSyncResult } from "../inspect/sync-org-unit.ts";
import type { PersonSyncResult } from "../inspect/sync-person.ts";

const Stamp = z.iso.datetime();

/** The OFM `users` document as stored (the guide's fields, plus what the sync keeps). */
const StoredUserAnswer = z.looseObject({
  _id: z.string(),
  ssoUserId: z.string(),
  email: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  isActive: z.boolean(),
});

/** The directory's record as the mapping reads it, or why there is none. */
const LiveAnswer = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("ok"), user: z.looseObject({ ssoUserId: z.string() }) }),
  z.object({ kind: z.literal("absent") }),
  z.object({ kind: z.literal("invalid"), message: z.string() }),
  z.object({ kind: z.literal("unreachable"), message: z.string() }),
]);

const FieldRowAnswer = z.object({
  field: z.string(),
  ofm: z.unknown(),
  sso: z.unknown(),
  equal: z.boolean(),
  excluded: z.boolean(),
});

const FindingAnswer = z.object({
  cause: z.enum([
    "in_sync",
    "out_of_date",
    "ofm_edited",
    "webhook_failed",
    "webhook_missing",
    "inactive_in_sso",
    "excluded_field",
    "outside_filter",
    "malformed",
    "held_by_guard",
    "not_in_sso",
    "not_in_ofm",
    "sso_unreachable",
    "conflict",
  ]),
  text: z.string(),
  /** What would put it right (the page and the CLI word it for their reader). */
  action: z.enum(["sync_now", "approve_held", "unfiltered_sync", "fix_in_sso"]).optional(),
});

/** One `syncChanges` record (documents/change-record.ts). */
const ChangeAnswer = z.looseObject({
  _id: z.string().optional(),
  resourceType: z.enum(["User", "Group"]),
  resourceId: z.string(),
  subject: z.string().nullable(),
  action: z.enum(["created", "updated", "deactivated", "reactivated", "deleted"]),
  fields: z.array(z.string()),
  values: z.record(z.string(), z.object({ old: z.unknown(), new: z.unknown() })),
  source: z.looseObject({
    kind: z.enum(["sync", "on_demand", "webhook", "held_event", "held_approval", "purge"]),
  }),
});

/** One `webhookEvents` record about the person. */
const EventAnswer = z.looseObject({
  _id: z.string().optional(),
  eventId: z.string(),
  event: z.string(),
  resourceType: z.enum(["User", "Group"]),
  resourceId: z.string(),
  action: z.enum(["create", "update", "delete"]),
  receivedAt: Stamp,
  processedAt: Stamp.nullable(),
  status: z.enum([
    "processing",
    "success",
    "failed",
    "duplicate",
    "stale",
    "held",
    "conflict",
    "rejected",
  ]),
  error: z.string().nullable(),
});

/** `GET /api/v1/scim/people/:key`: the inspector's report (inspect/inspect-person.ts). */
export const PersonReportAnswer = z.object({
  key: z.string(),
  ssoUserId: z.string().nullable(),
  ofm: StoredUserAnswer.nullable(),
  /** The raw SCIM record, as the SSO sent it. */
  sso: z.unknown(),
  live: LiveAnswer,
  fields: z.array(FieldRowAnswer),
  findings: z.array(FindingAnswer),
  state: z.enum(["in_step", "out_of_step", "unknown"]),
  /** Names of the org units and manager the person points to, by id. */
  names: z.record(z.string(), z.string()),
  nextFullSyncAt: Stamp.nullable(),
  changes: z.array(ChangeAnswer),
  events: z.array(EventAnswer),
});
export type PersonReportAnswer = z.infer<typeof PersonReportAnswer>;

/** What an on-demand sync did to one resource (also the person view's `?synced=`). */
export const SyncOutcome = z.enum([
  "created",
  "updated",
  "unchanged",
  "deactivated",
  "not_found",
  "aborted",
  "failed",
]);

/** `POST /api/v1/scim/people/:key/sync`: what the on-demand sync did (inspect/sync-person.ts). */
export const PersonSyncAnswer = z.object({
  outcome: SyncOutcome,
  historyId: z.string().nullable(),
  ssoUserId: z.string().nullable(),
  message: z.string(),
}) satisfies z.ZodType<PersonSyncResult>;
export type PersonSyncAnswer = z.infer<typeof PersonSyncAnswer>;

/** `POST /api/v1/scim/org-units/:key/sync`: what the on-demand sync did (inspect/sync-org-unit.ts). */
export const OrgUnitSyncAnswer = z.object({
  outcome: SyncOutcome,
  historyId: z.string().nullable(),
  /** The SCIM Group id (the org unit's `_id`); null when neither side knows the key. */
  orgUnitId: z.string().nullable(),
  message: z.string(),
}) satisfies z.ZodType<OrgUnitSyncResult>;
export type OrgUnitSyncAnswer = z.infer<typeof OrgUnitSyncAnswer>;

/** One person of a search (inspect/find-people.ts `FoundPerson`). */
const FoundPersonAnswer = z.object({
  ssoUserId: z.string(),
  name: z.string().nullable(),
  email: z.string(),
  departmentId: z.string().nullable(),
  departmentName: z.string().nullable(),
  activeInOfm: z.boolean(),
  /** `active` in the SSO; null: not in the SSO; absent: the SSO could not be asked. */
  activeInSso: z.boolean().nullable().optional(),
});

/** `GET /api/v1/scim/people?q=`: people whose name or email starts with `q` (inspect/find-people.ts). */
export const PeopleFoundAnswer = z.object({
  query: z.string(),
  people: z.array(FoundPersonAnswer),
  more: z.boolean(),
  ssoError: z.string().nullable(),
  /** The SSO id of the person whose email, SSO id or employee number is exactly `q`. */
  exact: z.string().nullable(),
});
export type PeopleFoundAnswer = z.infer<typeof PeopleFoundAnswer>;
