/**
 * What the person view's cards share: the names a person reads for the
 * guide's field names, and a value shown with the name behind its id.
 *
 * @module
 */

const show = (v: unknown) => (v === null || v === undefined || v === "" ? "—" : String(v));

/** The names a person reads for the guide's field names. */
export const FIELD_LABELS: Record<string, string> = {
  ssoUserId: "SSO user id",
  email: "Email",
  firstName: "First name",
  lastName: "Last name",
  isActive: "Active",
  phone: "Phone",
  userId: "Employee number",
  departmentId: "Department",
  companyId: "Company",
  managerId: "Manager",
  positionId: "Position",
};

/**
 * A value with the name behind it when it is an id OFM can name: `D-7 (Finance)`.
 *
 * @example
 * ```tsx
 * <Named value="D-7" names={{ "D-7": "Finance" }} />
 * ```
 */
export function Named({ value, names }: { value: unknown; names: Record<string, string> }) {
  const name = typeof value === "string" ? names[value] : undefined;
  if (!name) return <>{show(value)}</>;
  return (
    <>
      <b>{name}</b> <span class="sub">({String(value)})</span>
    </>
  );
}
