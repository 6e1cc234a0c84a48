/**
 * The shapes OFM stores, as the integration guide's mapping tables name them.
 * These are what the mapping produces; the store adds bookkeeping fields
 * (role, timestamps, content hash) around them.
 *
 * @module
 */
import { z } from "zod";

/** An OFM user as mapped from SCIM. Absent SCIM values are `null`, so a value removed in the SSO is removed in OFM. */
export const OfmUser = z.strictObject({
  ssoUserId: z.string().min(1),
  email: z.string().min(1),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  isActive: z.boolean(),
  phone: z.string().nullable(),
  userId: z.string().nullable(),
  departmentId: z.string().nullable(),
  companyId: z.string().nullable(),
  managerId: z.string().nullable(),
  positionId: z.string().nullable(),
  /** `meta.lastModified` of the SCIM resource (ISO), for ordering webhook events. */
  scimLastModified: z.string().nullable(),
});
export type OfmUser = z.infer<typeof OfmUser>;

/** An OFM organisational unit; `_id` is the SCIM Group id. */
export const OfmOrgUnit = z.strictObject({
  _id: z.string().min(1),
  unitName: z.string().min(1),
  unitType: z.string().nullable(),
  level: z.number().int().nullable(),
  parentUnitId: z.string().nullable(),
  managerId: z.string().nullable(),
  isActive: z.boolean(),
  scimLastModified: z.string().nullable(),
});
export type OfmOrgUnit = z.infer<typeof OfmOrgUnit>;

/** The OFM fields of a user that a sync may write (and that `SYNC_EXCLUDE_FIELDS` may name). */
export const USER_SYNC_FIELDS = [
  "email",
  "firstName",
  "lastName",
  "isActive",
  "phone",
  "userId",
  "departmentId",
  "companyId",
  "managerId",
  "positionId",
] as const;
export type UserSyncField = (typeof USER_SYNC_FIELDS)[number];

/** The OFM fields of an org unit that a sync writes. */
export const ORG_UNIT_SYNC_FIELDS = [
  "unitName",
  "unitType",
  "level",
  "parentUnitId",
  "managerId",
  "isActive",
] as const;
export type OrgUnitSyncField = (typeof ORG_UNIT_SYNC_FIELDS)[number];

/** One entry of `syncHistory.stats.errors` or of a rejected webhook. */
export interface ResourceError {
  resourceType: "User" | "Group";
  resourceId: string | null;
  code: string;
  message: string;
  /** A write refused because another account holds the value: who holds it. */
  holder?: HolderInfo;
}

/** The account holding a unique value another person needed, as errors name it. */
export interface HolderInfo {
  /** OFM's `_id` of the account, as text. */
  id: string;
  /** Its SSO id; null for an account OFM created itself. */
  ssoUserId: string | null;
  email: string | null;
  isActive: boolean;
  /** Which field's value it holds. */
  field: string;
}
