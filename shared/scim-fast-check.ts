/**
 * A check of the common shape of a SCIM User or Group that costs no copy.
 * zod's object parsing clones every object it accepts (and walks unknown keys
 * of loose objects); at 100,000 users that was ~1.2 s of a no-op's CPU. Each
 * check here accepts only values its zod schema in scim-schemas.ts accepts
 * unchanged (nothing coerced; `active` absent is the one default, applied by
 * the caller); anything else returns false and the caller parses with zod, so
 * every error message is still zod's.
 *
 * @module
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown) => typeof v === "string";
const optStr = (v: unknown) => v === undefined || typeof v === "string";
const nullishStr = (v: unknown) => v === undefined || v === null || typeof v === "string";
const nonEmpty = (v: unknown) => typeof v === "string" && v.length > 0;

function strings(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const s of v) if (typeof s !== "string") return false;
  return true;
}

function meta(v: unknown): boolean {
  if (v === undefined) return true;
  return isObj(v) && optStr(v.resourceType) && optStr(v.created) && optStr(v.lastModified) &&
    optStr(v.version) && optStr(v.location);
}

function multiValues(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (!Array.isArray(v)) return false;
  for (const m of v) {
    if (!isObj(m) || !optStr(m.value) || !optStr(m.type) || !optStr(m.display)) return false;
    if (m.primary !== undefined && typeof m.primary !== "boolean") return false;
  }
  return true;
}

/**
 * Whether `raw` is a SCIM User that `ScimUser` accepts as it is.
 *
 * @example
 * ```ts
 * isPlainScimUser({ id: "u1", userName: "a@x" }); // true
 * isPlainScimUser({ id: "u1", userName: "a@x", active: "yes" }); // false: zod decides
 * ```
 */
export function isPlainScimUser(raw: unknown): raw is Obj & { id: string; userName: string } {
  if (!isObj(raw) || !nonEmpty(raw.id) || !nonEmpty(raw.userName)) return false;
  if (!strings(raw.schemas) || !optStr(raw.externalId) || !nullishStr(raw.displayName)) {
    return false;
  }
  if (raw.active !== undefined && typeof raw.active !== "boolean") return false;
  const name = raw.name;
  if (name !== undefined && name !== null) {
    if (!isObj(name) || !nullishStr(name.givenName) || !nullishStr(name.familyName)) return false;
    if (!nullishStr(name.formatted)) return false;
  }
  return multiValues(raw.emails) && multiValues(raw.phoneNumbers) && meta(raw.meta);
}

/**
 * Whether `raw` is an enterprise extension that `EnterpriseUser` accepts as it is.
 *
 * @example
 * ```ts
 * isPlainEnterprise({ employeeNumber: "E1", manager: { value: "u2" } }); // true
 * ```
 */
export function isPlainEnterprise(raw: unknown): raw is Obj {
  if (!isObj(raw) || !nullishStr(raw.employeeNumber) || !nullishStr(raw.department)) return false;
  if (!nullishStr(raw.organization)) return false;
  const m = raw.manager;
  if (m === undefined || m === null || str(m)) return true;
  return isObj(m) && nullishStr(m.value) && nullishStr(m.displayName);
}

/**
 * Whether `raw` is an `x-position` extension that `PositionExtension` accepts as it is.
 *
 * @example
 * ```ts
 * isPlainPosition({ id: "p1", title: "Analyst" }); // true
 * ```
 */
export function isPlainPosition(raw: unknown): raw is Obj {
  return isObj(raw) && nullishStr(raw.id) && nullishStr(raw.title);
}

/**
 * Whether `raw` is a SCIM Group that `ScimGroup` accepts as it is.
 *
 * @example
 * ```ts
 * isPlainScimGroup({ id: "g1", displayName: "Finance" }); // true
 * ```
 */
export function isPlainScimGroup(
  raw: unknown,
): raw is Obj & { id: string; displayName: string } {
  if (!isObj(raw) || !nonEmpty(raw.id) || !nonEmpty(raw.displayName)) return false;
  if (!strings(raw.schemas) || !meta(raw.meta)) return false;
  const members = raw.members;
  if (members === undefined || members === null) return true;
  if (!Array.isArray(members)) return false;
  for (const m of members) if (!isObj(m) || !str(m.value)) return false;
  return true;
}

/**
 * Whether `raw` is an `x-orgUnit` extension that `OrgUnitExtension` accepts unchanged
 * (a `level` given as a string is coerced by zod: not here).
 *
 * @example
 * ```ts
 * isPlainOrgUnit({ unitType: "department", level: 3 }); // true
 * isPlainOrgUnit({ level: "3" }); // false: zod coerces it
 * ```
 */
export function isPlainOrgUnit(raw: unknown): raw is Obj {
  if (!isObj(raw) || !nullishStr(raw.parentUnitId) || !nullishStr(raw.managerId)) return false;
  const t = raw.unitType;
  if (t !== undefined && t !== null && !nonEmpty(t)) return false;
  const l = raw.level;
  return l === undefined || l === null ||
    (typeof l === "number" && Number.isSafeInteger(l) && l >= 0);
}
