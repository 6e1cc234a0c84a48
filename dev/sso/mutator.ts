/**
 * Seeded random changes to a live directory, as an HR system makes them:
 * phone numbers, surnames, titles, (de)activations and department moves;
 * leavers deleted; joiners added into existing departments. Everything goes
 * through the directory, so each change fires its webhook(s).
 *
 * @module
 */
import type { Directory, Json, ScimResource } from "./directory.ts";
import {
  buildUser,
  ENTERPRISE_URN,
  ORG_UNIT_URN,
  POSITION_URN,
  randomName,
  randomPhone,
  STAFF_TITLES,
} from "./generator.ts";
import { createIdFactory, createRng, pick, type Rng } from "./prng.ts";

export interface Mutation {
  changeUsers?: number;
  deleteUsers?: number;
  addUsers?: number;
  seed?: number | string;
}
export interface MutationResult {
  changed: string[];
  deleted: string[];
  added: string[];
}

const ext = (r: Json | undefined, urn: string) => ((r?.[urn] ?? {}) as Json);

/** The company above a unit, walking `parentUnitId`. */
function companyOf(dir: Directory, unitId: string): string | null {
  let unit = dir.get("Group", unitId);
  for (let hops = 0; unit && hops < 10; hops++) {
    const org = ext(unit, ORG_UNIT_URN);
    if (org.unitType === "company" || !org.parentUnitId) return unit.id;
    unit = dir.get("Group", String(org.parentUnitId));
  }
  return null;
}

function moveMember(
  dir: Directory,
  userId: string,
  display: string,
  from: string | undefined,
  to: string,
) {
  if (from && dir.get("Group", from)) {
    dir.update(
      "Group",
      from,
      (g) => ({ ...g, members: ((g.members as Json[]) ?? []).filter((m) => m.value !== userId) }),
    );
  }
  dir.update(
    "Group",
    to,
    (g) => ({
      ...g,
      members: [...((g.members as Json[]) ?? []), { value: userId, display, type: "User" }],
    }),
  );
}

function change(dir: Directory, rng: Rng, u: ScimResource, departments: readonly ScimResource[]) {
  const roll = rng();
  if (roll < 0.15 && departments.length > 1) {
    const to = pick(rng, departments);
    const from = ext(u, ENTERPRISE_URN).department as string | undefined;
    if (to.id === from) return;
    const manager = ext(to, ORG_UNIT_URN).managerId;
    dir.replace("User", u.id, {
      ...u,
      [ENTERPRISE_URN]: {
        ...ext(u, ENTERPRISE_URN),
        department: to.id,
        organization: companyOf(dir, to.id) ?? ext(u, ENTERPRISE_URN).organization,
        ...(manager && manager !== u.id ? { manager: { value: manager } } : {}),
      },
    });
    moveMember(dir, u.id, String(u.displayName ?? u.userName), from, to.id);
    return;
  }
  const next: Json = { ...u };
  if (roll < 0.5) next.phoneNumbers = [{ value: randomPhone(rng), type: "mobile", primary: true }];
  else if (roll < 0.65) next.name = { ...(u.name as Json), familyName: randomName(rng).family };
  else if (roll < 0.85) {
    const title = pick(rng, STAFF_TITLES);
    next.title = title;
    next[POSITION_URN] = { ...ext(u, POSITION_URN), title };
  } else next.active = u.active === false;
  dir.replace("User", u.id, next);
}

/**
 * Applies `changeUsers` changes, `deleteUsers` deletions and `addUsers` additions.
 *
 * @example
 * ```ts
 * const { changed, deleted, added } = mutateDirectory(directory, { changeUsers: 10, deleteUsers: 2, addUsers: 3, seed: 7 });
 * ```
 */
export function mutateDirectory(dir: Directory, m: Mutation): MutationResult {
  const rng = createRng(`mutate:${m.seed ?? Date.now()}`);
  const nextId = createIdFactory(rng);
  const result: MutationResult = { changed: [], deleted: [], added: [] };
  const departments = dir.list("Group").filter((g) =>
    ext(g, ORG_UNIT_URN).unitType === "department"
  );
  const someUser = () => (dir.size("User") > 0 ? pick(rng, dir.list("User")) : undefined);

  for (let i = 0; i < (m.changeUsers ?? 0); i++) {
    const u = someUser();
    if (!u) break;
    change(dir, rng, u, departments);
    result.changed.push(u.id);
  }
  for (let i = 0; i < (m.deleteUsers ?? 0); i++) {
    const u = someUser();
    if (!u) break;
    dir.remove("User", u.id);
    result.deleted.push(u.id);
  }
  // Employee numbers stay unique, as a real directory keeps them (OFM may index them):
  // one past the highest in use, never the directory's size (people leave).
  let nextEmployee = highestEmployeeNumber(dir) + 1;
  for (let i = 0; i < (m.addUsers ?? 0); i++) {
    let id = nextId();
    while (dir.get("User", id)) id = nextId();
    const name = randomName(rng);
    let n = dir.size("User") + 1;
    const taken = (k: number) => dir.findUserByName(`${name.given}.${name.family}${k}@ias.co.id`);
    while (taken(n)) n += 1 + Math.floor(rng() * 1000);
    const dept = departments.length > 0 ? pick(rng, departments) : undefined;
    const managerId = dept ? ext(dept, ORG_UNIT_URN).managerId : undefined;
    const manager = typeof managerId === "string" ? dir.get("User", managerId) : undefined;
    const peer = someUser();
    const position = ext(peer, POSITION_URN);
    const created = dir.create(
      "User",
      buildUser({
        id,
        n,
        ...name,
        domain: "ias.co.id",
        active: true,
        phone: randomPhone(rng),
        employeeNumber: `EMP${String(nextEmployee++).padStart(6, "0")}`,
        department: dept?.id ?? null,
        organization: dept ? companyOf(dir, dept.id) : null,
        manager: manager
          ? { id: manager.id, displayName: String(manager.displayName ?? manager.userName) }
          : null,
        position: typeof position.id === "string"
          ? { id: position.id, title: String(position.title ?? "Staff") }
          : null,
      }),
    );
    if (dept) moveMember(dir, created.id, `${name.given} ${name.family}`, undefined, dept.id);
    result.added.push(created.id);
  }
  return result;
}

/** The highest `EMP…` employee number in the directory (0 when none). */
function highestEmployeeNumber(dir: Directory): number {
  let max = 0;
  for (const u of dir.list("User")) {
    const n = Number(
      /^EMP(\d+)$/.exec(String(ext(u, ENTERPRISE_URN).employeeNumber ?? ""))?.[1] ?? 0,
    );
    if (n > max) max = n;
  }
  return max;
}
