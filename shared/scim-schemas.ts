/**
 * zod schemas of the SCIM 2.0 resources and messages (RFC 7643 / 7644) that
 * OFM reads. Resources use plain objects that keep unknown keys (`looseObject`):
 * SCIM payloads carry extensions keyed by URN, which the mapping looks up.
 *
 * @module
 */
import { z } from "zod";

/** URN of the RFC 7643 enterprise user extension. */
export const ENTERPRISE_USER_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/** URN of a SCIM ListResponse. */
export const LIST_RESPONSE_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/** URN of a SCIM Error. */
export const ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error";

/** `meta` of any resource; only `lastModified` matters to OFM (ordering of events). */
export const ScimMeta = z.looseObject({
  resourceType: z.string().optional(),
  created: z.string().optional(),
  lastModified: z.string().optional(),
  version: z.string().optional(),
  location: z.string().optional(),
});
export type ScimMeta = z.infer<typeof ScimMeta>;

/** A multi-valued attribute entry (emails, phoneNumbers…). */
export const ScimMultiValue = z.looseObject({
  value: z.string().optional(),
  type: z.string().optional(),
  primary: z.boolean().optional(),
  display: z.string().optional(),
});
export type ScimMultiValue = z.infer<typeof ScimMultiValue>;

/** Core SCIM User. `active` defaults to true when the server omits it (RFC 7643 §4.1.1). */
export const ScimUser = z.looseObject({
  schemas: z.array(z.string()).optional(),
  id: z.string().min(1),
  externalId: z.string().optional(),
  userName: z.string().min(1),
  name: z.looseObject({
    givenName: z.string().nullish(),
    familyName: z.string().nullish(),
    formatted: z.string().nullish(),
  }).nullish(),
  displayName: z.string().nullish(),
  active: z.boolean().default(true),
  emails: z.array(ScimMultiValue).nullish(),
  phoneNumbers: z.array(ScimMultiValue).nullish(),
  meta: ScimMeta.optional(),
});
export type ScimUser = z.infer<typeof ScimUser>;

/** The enterprise extension's attributes OFM maps. */
export const EnterpriseUser = z.looseObject({
  employeeNumber: z.string().nullish(),
  department: z.string().nullish(),
  organization: z.string().nullish(),
  manager: z.union([
    z.looseObject({ value: z.string().nullish(), displayName: z.string().nullish() }),
    z.string(),
  ]).nullish(),
});
export type EnterpriseUser = z.infer<typeof EnterpriseUser>;

/** The brief's `x-position` extension: the user's position. */
export const PositionExtension = z.looseObject({
  id: z.string().nullish(),
  title: z.string().nullish(),
});
export type PositionExtension = z.infer<typeof PositionExtension>;

/** Core SCIM Group. */
export const ScimGroup = z.looseObject({
  schemas: z.array(z.string()).optional(),
  id: z.string().min(1),
  displayName: z.string().min(1),
  members: z.array(z.looseObject({ value: z.string() })).nullish(),
  meta: ScimMeta.optional(),
});
export type ScimGroup = z.infer<typeof ScimGroup>;

/** The brief's `x-orgUnit` extension of a Group. `level` may come as a numeric string. */
export const OrgUnitExtension = z.looseObject({
  unitType: z.string().min(1).nullish(),
  level: z.coerce.number().int().nonnegative().nullish(),
  parentUnitId: z.string().nullish(),
  managerId: z.string().nullish(),
});
export type OrgUnitExtension = z.infer<typeof OrgUnitExtension>;

/**
 * A ListResponse page. Resources stay `unknown` here: each is parsed on its
 * own so one malformed resource is one error entry, not a lost page.
 * `nextCursor` is RFC 9865 cursor paging. `startIndex` and `itemsPerPage` are
 * left out on purpose (kept, unread, by the loose object): what a page served
 * is the length of `Resources`, and servers built on common libraries answer
 * `itemsPerPage` with the `count` asked for, even on an empty page.
 */
export const ListResponse = z.looseObject({
  schemas: z.array(z.string()).optional(),
  totalResults: z.coerce.number().int().nonnegative(),
  // Absent or null on an empty page (a Go server built on elimity-com/scim sends `null`).
  Resources: z.array(z.unknown()).nullish().transform((r) => r ?? []),
  nextCursor: z.string().nullish(),
});
export type ListResponse = z.infer<typeof ListResponse>;

const Supported = z.looseObject({ supported: z.boolean().default(false) }).default({
  supported: false,
});

/** ServiceProviderConfig: what the connection check shows and paging relies on. */
export const ServiceProviderConfig = z.looseObject({
  patch: Supported,
  bulk: z.looseObject({
    supported: z.boolean().default(false),
    maxOperations: z.coerce.number().int().optional(),
    maxPayloadSize: z.coerce.number().int().optional(),
  }).default({ supported: false }),
  filter: z.looseObject({
    supported: z.boolean().default(false),
    maxResults: z.coerce.number().int().positive().optional(),
  }).default({ supported: false }),
  sort: Supported,
  etag: Supported,
  changePassword: Supported,
  /** RFC 9865 cursor pagination. */
  pagination: z.looseObject({
    cursor: z.boolean().default(false),
    index: z.boolean().default(true),
    defaultPaginationMethod: z.string().optional(),
    cursorTimeout: z.coerce.number().optional(),
  }).optional(),
});
export type ServiceProviderConfig = z.infer<typeof ServiceProviderConfig>;

/** A SCIM error body. `status` is a string in the RFC, a number in some servers. */
export const ScimErrorBody = z.looseObject({
  schemas: z.array(z.string()).optional(),
  status: z.union([z.string(), z.number()]).optional(),
  scimType: z.string().optional(),
  detail: z.string().optional(),
});
export type ScimErrorBody = z.infer<typeof ScimErrorBody>;
