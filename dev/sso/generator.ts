/**
 * A seeded generator of a realistic organisation for the development SSO:
 * companies → divisions → departments as SCIM Groups with the `x-orgUnit`
 * extension, and users with the enterprise and `x-position` extensions.
 * Deterministic: the same seed gives the same directory.
 *
 * @module
 */

export const ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const POSITION_URN = "urn:aksara:params:scim:schemas:extension:x-position:2.0:User";
export const ORG_UNIT_URN = "urn:aksara:params:scim:schemas:extension:x-orgUnit:2.0:Group";

export type Json = Record<string, unknown>;

/**
 * mulberry32: a tiny fast PRNG, enough for test data.
 *
 * @example
 * ```ts
 * const rnd = prng(42); rnd(); // 0.6011…
 * ```
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 24-hex id (like a Mongo ObjectId) from a seed, a kind and an index. */
export function makeId(seed: number, kind: number, n: number): string {
  const hex = (v: number, w: number) => (v >>> 0).toString(16).padStart(w, "0").slice(-w);
  return hex(seed, 8) + hex(kind, 4) + hex(n, 12);
}

const FIRST = ["Adi", "Budi", "Citra", "Dewi", "Eko", "Fajar", "Gita", "Hadi", "Indah", "Joko", "Kartika", "Lestari", "Made", "Nur", "Oka", "Putri", "Rina", "Sari", "Tono", "Wulan"];
const LAST = ["Santoso", "Wijaya", "Pratama", "Saputra", "Hidayat", "Kusuma", "Nugroho", "Lestari", "Siregar", "Halim", "Gunawan", "Tanjung"];
const TITLES = ["Engineer", "Analyst", "Manager", "Officer", "Specialist", "Coordinator", "Director", "Associate"];

/**
 * Generates an organisation.
 *
 * @param options `users`; `orgUnits` defaults to users/10 (at least 3)
 * @returns SCIM Users and Groups (without meta; the directory adds it)
 *
 * @example
 * ```ts
 * const { users, groups } = generateOrg({ seed: 42, users: 100 });
 * ```
 */
export function generateOrg(options: { seed: number; users: number; orgUnits?: number; domain?: string }) {
  const rnd = prng(options.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const unitCount = Math.max(3, options.orgUnits ?? Math.floor(options.users / 10));
  const companies = Math.max(1, Math.round(unitCount / 100));
  const divisions = Math.max(1, Math.round(unitCount / 10));
  const groups: Json[] = [];
  const userIds = Array.from({ length: options.users }, (_, i) => makeId(options.seed, 1, i));
  const manager = () => (userIds.length > 0 ? pick(userIds) : null);
  const departments: string[] = [];
  const companyOf = new Map<string, string>();
  for (let i = 0; i < unitCount; i++) {
    const id = makeId(options.seed, 2, i);
    let unitType: string;
    let level: number;
    let parent: string | null;
    if (i < companies) {
      [unitType, level, parent] = ["company", 1, null];
    } else if (i < companies + divisions) {
      [unitType, level, parent] = ["division", 2, makeId(options.seed, 2, Math.floor(rnd() * companies))];
    } else {
      [unitType, level, parent] = ["department", 3, makeId(options.seed, 2, companies + Math.floor(rnd() * divisions))];
    }
    if (unitType === "department") departments.push(id);
    companyOf.set(id, unitType === "company" ? id : companyOf.get(parent ?? "") ?? makeId(options.seed, 2, 0));
    groups.push({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group", ORG_UNIT_URN],
      id,
      displayName: `${unitType[0]?.toUpperCase()}${unitType.slice(1)} ${i + 1}`,
      [ORG_UNIT_URN]: { unitType, level, parentUnitId: parent, managerId: manager() },
    });
  }
  if (departments.length === 0) departments.push(makeId(options.seed, 2, unitCount - 1));
  const domain = options.domain ?? "ias.co.id";
  const users: Json[] = userIds.map((id, i) => {
    const first = pick(FIRST);
    const last = pick(LAST);
    const email = `${first}.${last}${i}@${domain}`.toLowerCase();
    const dept = pick(departments);
    return {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_URN, POSITION_URN],
      id,
      userName: email,
      name: { givenName: first, familyName: last, formatted: `${first} ${last}` },
      active: rnd() >= 0.03,
      emails: [{ value: email, type: "work", primary: true }],
      phoneNumbers: [{ value: `+62 8${String(Math.floor(rnd() * 1e10)).padStart(10, "0")}`, type: "mobile" }],
      [ENTERPRISE_URN]: {
        employeeNumber: `E${String(i + 1).padStart(6, "0")}`,
        department: dept,
        organization: companyOf.get(dept) ?? makeId(options.seed, 2, 0),
        manager: i === 0 ? undefined : { value: userIds[Math.floor(rnd() * i)] },
      },
      [POSITION_URN]: { id: makeId(options.seed, 3, Math.floor(rnd() * 200)), title: pick(TITLES) },
    };
  });
  return { users, groups };
}
