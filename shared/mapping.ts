/**
 * The one mapping module: SCIM User → OFM user, SCIM Group → OFM org unit,
 * exactly the integration guide's two tables. Pure functions over parsed
 * JSON; a resource that fails its schema becomes one `ResourceError`.
 *
 * @module
 */
import { z } from "zod";
import { findExtension } from "./extensions.ts";
import {
  isPlainEnterprise,
  isPlainOrgUnit,
  isPlainPosition,
  isPlainScimGroup,
  isPlainScimUser,
} from "./scim-fast-check.ts";
import type { OfmOrgUnit, OfmUser, ResourceError } from "./ofm-documents.ts";
import {
  EnterpriseUser,
  OrgUnitExtension,
  PositionExtension,
  ScimGroup,
  type ScimMultiValue,
  ScimUser,
} from "./scim-schemas.ts";

/** Either the mapped value or one error entry for it. */
export type MapResult<T> = { ok: true; value: T } | { ok: false; error: ResourceError };

function idOf(raw: unknown): string | null {
  if (raw && typeof raw === "object" && "id" in raw && typeof raw.id === "string") return raw.id;
  return null;
}

function schemaError(
  resourceType: "User" | "Group",
  raw: unknown,
  where: string,
  error: z.ZodError,
): ResourceError {
  const issue = error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join(".") : "(root)";
  return {
    resourceType,
    resourceId: idOf(raw),
    code: "RESOURCE_INVALID",
    message: `${resourceType} ${idOf(raw) ?? "(no id)"}: ${where}${path}: ${
      issue?.message ?? "invalid"
    }`,
  };
}

/** Primary entry first (RFC 7643 §2.4), else the first: the brief's `phoneNumbers[0].value`. */
function firstValue(values: readonly ScimMultiValue[] | null | undefined): string | null {
  if (!values || values.length === 0) return null;
  return (values.find((v) => v.primary === true) ?? values[0])?.value ?? null;
}

function parseExtension<S extends z.ZodType>(
  raw: Record<string, unknown>,
  name: string,
  schema: S,
  plain: (value: unknown) => boolean,
): { ok: true; value: z.infer<S> | undefined } | { ok: false; error: z.ZodError } {
  const value = findExtension(raw, name);
  if (value === undefined || value === null) return { ok: true, value: undefined };
  // The common shape needs no copy; anything else goes through zod (and its messages).
  if (plain(value)) return { ok: true, value: value as z.infer<S> };
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: parsed.error };
}

/**
 * Maps a SCIM User (raw JSON) to the OFM user fields.
 *
 * @param raw one element of a ListResponse's `Resources`, or a webhook's `data`
 * @returns the OFM user, or an error entry naming the resource and the field
 *
 * @example
 * ```ts
 * const r = mapUser({ id: "u1", userName: "john.doe@ias.co.id", name: { givenName: "John" } });
 * if (r.ok) r.value.email; // "john.doe@ias.co.id"
 * ```
 */
export function mapUser(raw: unknown): MapResult<OfmUser> {
  let u: ScimUser & Record<string, unknown>;
  if (isPlainScimUser(raw)) u = raw as typeof u;
  else {
    const user = ScimUser.safeParse(raw);
    if (!user.success) return { ok: false, error: schemaError("User", raw, "", user.error) };
    u = user.data as typeof u;
  }
  const ent = parseExtension(u, "enterprise", EnterpriseUser, isPlainEnterprise);
  if (!ent.ok) return { ok: false, error: schemaError("User", raw, "enterprise.", ent.error) };
  const pos = parseExtension(u, "x-position", PositionExtension, isPlainPosition);
  if (!pos.ok) return { ok: false, error: schemaError("User", raw, "x-position.", pos.error) };
  const manager = ent.value?.manager;
  return {
    ok: true,
    value: {
      ssoUserId: u.id,
      email: u.userName,
      firstName: u.name?.givenName ?? null,
      lastName: u.name?.familyName ?? null,
      // Absent on the fast path: zod's default (RFC 7643 §4.1.1) is true.
      isActive: u.active !== false,
      phone: firstValue(u.phoneNumbers),
      userId: ent.value?.employeeNumber ?? null,
      departmentId: ent.value?.department ?? null,
      companyId: ent.value?.organization ?? null,
      managerId: typeof manager === "string" ? manager : manager?.value ?? null,
      positionId: pos.value?.id ?? null,
      scimLastModified: u.meta?.lastModified ?? null,
    },
  };
}

/**
 * Maps a SCIM Group (raw JSON) to an OFM org unit (`_id` = SCIM id).
 *
 * @param raw one element of a ListResponse's `Resources`, or a webhook's `data`
 * @returns the org unit, or an error entry
 *
 * @example
 * ```ts
 * const r = mapGroup({ id: "g1", displayName: "Finance", "x-orgUnit": { unitType: "department", level: 3 } });
 * if (r.ok) r.value.unitName; // "Finance"
 * ```
 */
export function mapGroup(raw: unknown): MapResult<OfmOrgUnit> {
  let g: ScimGroup & Record<string, unknown>;
  if (isPlainScimGroup(raw)) g = raw as typeof g;
  else {
    const group = ScimGroup.safeParse(raw);
    if (!group.success) return { ok: false, error: schemaError("Group", raw, "", group.error) };
    g = group.data as typeof g;
  }
  const ext = parseExtension(g, "x-orgUnit", OrgUnitExtension, isPlainOrgUnit);
  if (!ext.ok) return { ok: false, error: schemaError("Group", raw, "x-orgUnit.", ext.error) };
  return {
    ok: true,
    value: {
      _id: g.id,
      unitName: g.displayName,
      unitType: ext.value?.unitType ?? null,
      level: ext.value?.level ?? null,
      parentUnitId: ext.value?.parentUnitId ?? null,
      managerId: ext.value?.managerId ?? null,
      isActive: true,
      scimLastModified: g.meta?.lastModified ?? null,
    },
  };
}
