/**
 * What the person view's cards share: the names a person reads for the
 * guide's field names, and a value shown with the name behind its id.
 *
 * @module
 */

import { FIELD_LABELS } from "../inspect/verdict.ts";

const show = (v: unknown) => (v === null || v === undefined || v === "" ? "—" : String(v));

export { FIELD_LABELS };

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
