/**
 * A seeded generator of a realistic organisation: companies → divisions →
 * departments as SCIM Groups carrying the `x-orgUnit` extension, and users
 * with the enterprise and `x-position` extensions, a manager chain, ~3%
 * inactive. Pure and deterministic: the same options give the same data
 * (ids included), and 100k users take well under a second.
 *
 * @module
 */
import type { Json } from "./directory.ts";
import { createIdFactory, createRng, pick, randInt, type Rng } from "./prng.ts";

export const ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const POSITION_URN = "urn:aksara:params:scim:schemas:extension:x-position:2.0:User";
export const ORG_UNIT_URN = "urn:aksara:params:scim:schemas:extension:x-orgUnit:2.0:Group";

const GIVEN = [
  "Adi",
  "Agus",
  "Ayu",
  "Bambang",
  "Budi",
  "Citra",
  "Dedi",
  "Dewi",
  "Dian",
  "Eko",
  "Fajar",
  "Fitri",
  "Gita",
  "Hadi",
  "Hendra",
  "Indah",
  "Irfan",
  "Joko",
  "Kartika",
  "Lestari",
  "Made",
  "Maya",
  "Nanda",
  "Nur",
  "Oka",
  "Putri",
  "Rahmat",
  "Rina",
  "Rizky",
  "Sari",
  "Siti",
  "Surya",
  "Taufik",
  "Tono",
  "Utami",
  "Wahyu",
  "Wulan",
  "Yanti",
  "Yusuf",
  "Zahra",
];
const FAMILY = [
  "Santoso",
  "Wijaya",
  "Pratama",
  "Saputra",
  "Hidayat",
  "Kusuma",
  "Nugroho",
  "Setiawan",
  "Siregar",
  "Halim",
  "Gunawan",
  "Tanjung",
  "Hasibuan",
  "Lubis",
  "Purnomo",
  "Suryadi",
  "Wibowo",
  "Sitompul",
  "Harahap",
  "Putra",
  "Simanjuntak",
  "Rahman",
  "Susanto",
  "Permana",
  "Utomo",
  "Firmansyah",
  "Kurniawan",
  "Syahputra",
  "Nasution",
  "Manurung",
];
const COMPANY_A = [
  "Aksara",
  "Nusantara",
  "Garuda",
  "Samudra",
  "Bumi",
  "Cahaya",
  "Mitra",
  "Sinar",
  "Karya",
  "Mega",
  "Jaya",
  "Indo",
  "Prima",
  "Sentosa",
];
const COMPANY_B = [
  "Teknologi",
  "Logistik",
  "Energi",
  "Finansial",
  "Digital",
  "Konstruksi",
  "Agro",
  "Retail",
  "Media",
  "Kimia",
  "Farma",
  "Properti",
];
const DIVISIONS = [
  "Finance",
  "Operations",
  "Technology",
  "Human Capital",
  "Sales & Marketing",
  "Legal & Compliance",
  "Supply Chain",
  "Corporate Affairs",
  "Research & Development",
  "Customer Service",
];
const DEPARTMENTS = [
  "Accounting",
  "Treasury",
  "Tax",
  "Payroll",
  "Recruitment",
  "Learning & Development",
  "Infrastructure",
  "Application Development",
  "Data & Analytics",
  "Information Security",
  "Procurement",
  "Warehouse",
  "Fleet",
  "Quality Assurance",
  "Field Sales",
  "Key Accounts",
  "Digital Marketing",
  "Brand",
  "Contracts",
  "Internal Audit",
  "Public Relations",
  "Facilities",
  "Customer Care",
  "Product Management",
  "Engineering",
  "Maintenance",
  "Production",
  "Planning",
  "Risk Management",
  "Investor Relations",
];
/** Staff titles of the position catalogue (managers get the three head titles). */
export const STAFF_TITLES = [
  "Staff",
  "Senior Staff",
  "Officer",
  "Senior Officer",
  "Analyst",
  "Senior Analyst",
  "Engineer",
  "Senior Engineer",
  "Specialist",
  "Supervisor",
  "Coordinator",
  "Assistant Manager",
  "Manager",
  "Senior Manager",
];
const HEAD_TITLES = ["President Director", "Division Head", "Department Head"] as const;

export interface OrgOptions {
  seed: number | string;
  users: number;
  /** Companies + divisions + departments. @default max(3, users / 10) */
  orgUnits?: number;
  /** Mail domain of userNames. @default "ias.co.id" */
  domain?: string;
}
export interface Org {
  users: Json[];
  groups: Json[];
}

/**
 * A random Indonesian-style name.
 *
 * @example
 * ```ts
 * randomName(createRng(1)); // { given: "Dewi", family: "Halim" }
 * ```
 */
export function randomName(rng: Rng): { given: string; family: string } {
  return { given: pick(rng, GIVEN), family: pick(rng, FAMILY) };
}

/**
 * A random Indonesian mobile number, e.g. `+62 812-3456-7890`.
 *
 * @example
 * ```ts
 * randomPhone(createRng(1)).startsWith("+62 8"); // true
 * ```
 */
export function randomPhone(rng: Rng): string {
  return `+62 8${randInt(rng, 11, 99)}-${randInt(rng, 1000, 10000)}-${randInt(rng, 1000, 10000)}`;
}

/** What {@link buildUser} needs; references are ids (or null). */
export interface UserParts {
  id: string;
  n: number;
  given: string;
  family: string;
  domain: string;
  active: boolean;
  phone: string;
  employeeNumber: string;
  department: string | null;
  organization: string | null;
  manager: { id: string; displayName: string } | null;
  position: { id: string; title: string } | null;
  personalEmail?: boolean;
}

/**
 * One SCIM User as the Aksara directory shapes it.
 *
 * @example
 * ```ts
 * const u = buildUser({ id: "64…", n: 1, given: "Budi", family: "Santoso", domain: "ias.co.id", active: true, phone: "+62 812-1111-2222",
 *   employeeNumber: "EMP000001", department: null, organization: null, manager: null, position: null });
 * u.userName; // "budi.santoso1@ias.co.id"
 * ```
 */
export function buildUser(p: UserParts): Json {
  const userName = `${p.given}.${p.family}${p.n}@${p.domain}`.toLowerCase();
  const emails: Json[] = [{ value: userName, type: "work", primary: true }];
  if (p.personalEmail) {
    emails.push({
      value: `${p.given}${p.family}${p.n}@gmail.com`.toLowerCase(),
      type: "home",
      primary: false,
    });
  }
  const displayName = `${p.given} ${p.family}`;
  return {
    // `schemas` names exactly the extensions present (RFC 7643 §3).
    schemas: [
      "urn:ietf:params:scim:schemas:core:2.0:User",
      ENTERPRISE_URN,
      ...(p.position ? [POSITION_URN] : []),
    ],
    id: p.id,
    userName,
    name: { givenName: p.given, familyName: p.family, formatted: displayName },
    displayName,
    ...(p.position ? { title: p.position.title } : {}),
    active: p.active,
    emails,
    phoneNumbers: [{ value: p.phone, type: "mobile", primary: true }],
    [ENTERPRISE_URN]: {
      employeeNumber: p.employeeNumber,
      ...(p.department ? { department: p.department } : {}),
      ...(p.organization ? { organization: p.organization } : {}),
      ...(p.manager
        ? { manager: { value: p.manager.id, displayName: p.manager.displayName } }
        : {}),
    },
    ...(p.position ? { [POSITION_URN]: { id: p.position.id, title: p.position.title } } : {}),
  };
}

/**
 * Generates an organisation (resources without `meta`; the directory adds it).
 *
 * @example
 * ```ts
 * const { users, groups } = generateOrg({ seed: 42, users: 500 }); // 500 users, 50 org units
 * ```
 */
export function generateOrg(options: OrgOptions): Org {
  const rng = createRng(`org:${options.seed}`);
  const nextId = createIdFactory(rng);
  const domain = options.domain ?? "ias.co.id";
  const total = Math.max(3, options.orgUnits ?? Math.floor(options.users / 10));
  const nCompanies = Math.max(1, Math.round(total * 0.02));
  const nDivisions = Math.max(1, Math.round(total * 0.12));
  const nDepartments = Math.max(1, total - nCompanies - nDivisions);
  const positions = [...HEAD_TITLES, ...STAFF_TITLES].map((title) => ({ id: nextId(), title }));

  // Units: parents first; every parent gets a child before any gets a second, so no division is empty.
  type Unit = {
    id: string;
    name: string;
    code: string;
    type: "company" | "division" | "department";
    parent: Unit | null;
    members: number[];
    manager: number;
  };
  const taken = new Map<string, number>();
  const unique = (name: string) => {
    const k = (taken.get(name) ?? 0) + 1;
    taken.set(name, k);
    return k === 1 ? name : `${name} ${k}`;
  };
  const unit = (type: Unit["type"], i: number, parent: Unit | null, name: string): Unit => ({
    id: nextId(),
    name: unique(name),
    code: `${type.slice(0, 3).toUpperCase()}-${String(i + 1).padStart(5, "0")}`,
    type,
    parent,
    members: [],
    manager: -1,
  });
  const companies = Array.from(
    { length: nCompanies },
    (_, i) => unit("company", i, null, `PT ${pick(rng, COMPANY_A)} ${pick(rng, COMPANY_B)}`),
  );
  const divisions = Array.from({ length: nDivisions }, (_, i) => {
    const parent = i < nCompanies ? companies[i]! : pick(rng, companies);
    return unit("division", i, parent, `${pick(rng, DIVISIONS)} Division`);
  });
  const departments = Array.from(
    { length: nDepartments },
    (_, i) =>
      unit(
        "department",
        i,
        i < nDivisions ? divisions[i]! : pick(rng, divisions),
        `${pick(rng, DEPARTMENTS)} Department`,
      ),
  );

  // People, then managers: a department's first member heads it; divisions and companies take their first child's head.
  const people = Array.from(
    { length: options.users },
    () => ({ ...randomName(rng), dept: pick(rng, departments) }),
  );
  people.forEach((p, i) => p.dept.members.push(i));
  const someone = () => (people.length > 0 ? randInt(rng, 0, people.length) : -1);
  for (const d of departments) d.manager = d.members[0] ?? someone();
  const firstChildManager = (u: Unit, children: Unit[]) =>
    children.find((c) => c.parent === u)?.manager ?? someone();
  for (const d of divisions) d.manager = firstChildManager(d, departments);
  for (const c of companies) c.manager = firstChildManager(c, divisions);

  const userIds = people.map(() => nextId());
  const ref = (
    i: number,
  ) => (i >= 0
    ? { id: userIds[i]!, displayName: `${people[i]!.given} ${people[i]!.family}` }
    : null);
  const users = people.map((p, i) => {
    const division = p.dept.parent!;
    const company = division.parent!;
    const chain = [p.dept.manager, division.manager, company.manager].filter((m) =>
      m !== i && m >= 0
    );
    const head = company.manager === i
      ? 0
      : division.manager === i
      ? 1
      : p.dept.manager === i
      ? 2
      : -1;
    return buildUser({
      id: userIds[i]!,
      n: i + 1,
      ...p,
      domain,
      active: rng() >= 0.03,
      phone: randomPhone(rng),
      personalEmail: rng() < 0.2,
      employeeNumber: `EMP${String(i + 1).padStart(6, "0")}`,
      department: p.dept.id,
      organization: company.id,
      manager: ref(chain[0] ?? -1),
      position: head >= 0 ? positions[head]! : pick(rng, positions.slice(HEAD_TITLES.length)),
    });
  });

  const level = { company: 1, division: 2, department: 3 } as const;
  const groups = [...companies, ...divisions, ...departments].map((u) => ({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group", ORG_UNIT_URN],
    id: u.id,
    externalId: u.code,
    displayName: u.name,
    members: u.members.map((i) => ({
      value: userIds[i]!,
      display: `${people[i]!.given} ${people[i]!.family}`,
      type: "User",
    })),
    [ORG_UNIT_URN]: {
      unitType: u.type,
      level: level[u.type],
      parentUnitId: u.parent?.id ?? null,
      managerId: ref(u.manager)?.id ?? null,
    },
  }));
  return { users, groups };
}
