/**
 * The development SSO's in-memory directory: Users and Groups kept as a
 * standard SCIM server keeps them — server-assigned `id`, `meta` with
 * `created`, a `lastModified` that strictly increases on every change,
 * a weak `version` and a `location` — plus change listeners (the webhook
 * sender subscribes). Stored resources are never mutated in place: every
 * change stores a new object, so callers may hold on to what they read.
 *
 * @module
 */
import { createIdFactory, createRng } from "./prng.ts";

export type Json = Record<string, unknown>;
export type ResourceType = "User" | "Group";
export type ChangeKind = "created" | "updated" | "deleted";
export interface ScimMeta {
  resourceType: ResourceType;
  created: string;
  lastModified: string;
  version: string;
  location: string;
}
/** A stored resource: a JSON object with `schemas`, `id` and `meta`. Treat it as read-only. */
export type ScimResource = Json & { schemas: string[]; id: string; meta: ScimMeta };
/** One change, as listeners get it; `resource` is null for deletes. */
export interface Change {
  type: ResourceType;
  kind: ChangeKind;
  id: string;
  resource: ScimResource | null;
  at: string;
}

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";

/** A refused change, with the HTTP status and SCIM `scimType` a server answers. */
export class DirectoryError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 412, message: string, readonly scimType?: string) {
    super(message);
  }
}

export interface DirectoryOptions {
  /** SCIM base URL for `meta.location`, e.g. `http://127.0.0.1:5173/scim/v2`. */
  baseUrl: string;
  /** Injectable clock (epoch ms). @default Date.now */
  clock?: () => number;
}

const endpoint = (t: ResourceType) => (t === "User" ? "Users" : "Groups");
const memberIds = (g: Json | undefined): string[] =>
  Array.isArray(g?.members)
    ? g.members.map((m) => String((m as Json)?.value ?? "")).filter(Boolean)
    : [];

/**
 * The directory. Methods throw {@link DirectoryError} for 400/404/409/412.
 *
 * @example
 * ```ts
 * const dir = createDirectory({ baseUrl: "http://localhost:5173/scim/v2" });
 * const off = dir.onChange((c) => console.log(c.kind, c.id));
 * const u = dir.create("User", { userName: "a@ias.co.id" });
 * dir.replace("User", u.id, { ...u, active: false });
 * dir.remove("User", u.id);
 * off();
 * ```
 */
export function createDirectory(options: DirectoryOptions) {
  const clock = options.clock ?? Date.now;
  const stores: Record<ResourceType, Map<string, ScimResource>> = {
    User: new Map(),
    Group: new Map(),
  };
  const ordered: Partial<Record<ResourceType, ScimResource[]>> = {};
  // Where each id sits in `ordered`, built when an update first needs it.
  const positions: Partial<Record<ResourceType, Map<string, number>>> = {};
  const forget = (t: ResourceType) => {
    delete ordered[t];
    delete positions[t];
  };
  const userNames = new Map<string, string>(); // lower-cased userName → id (RFC 7643: unique, case-insensitive)
  const memberOf = new Map<string, Set<string>>(); // user id → ids of groups listing it
  const listeners = new Set<(c: Change) => void>();
  const nextId = createIdFactory(createRng(crypto.randomUUID()));
  let last = 0;
  // Strictly increasing, so a delta sync `meta.lastModified gt <last seen>` never misses a change made in the same ms.
  const stamp = () => new Date(last = Math.max(clock(), last + 1)).toISOString();

  function index(t: ResourceType, r: ScimResource, add: boolean) {
    if (t === "User") {
      const key = String(r.userName).toLowerCase();
      if (add) userNames.set(key, r.id);
      else if (userNames.get(key) === r.id) userNames.delete(key);
      return;
    }
    for (const uid of memberIds(r)) {
      const set = memberOf.get(uid) ?? new Set<string>();
      if (add) memberOf.set(uid, set.add(r.id));
      else set.delete(r.id);
    }
  }

  function build(
    t: ResourceType,
    id: string,
    input: Json,
    at: string,
    prev?: ScimResource,
  ): ScimResource {
    const { id: _id, meta: _meta, schemas, ...rest } = input; // id and meta are readOnly (RFC 7643 §3.1)
    if (t === "User" && (typeof rest.userName !== "string" || rest.userName === "")) {
      throw new DirectoryError(400, "userName is required", "invalidValue");
    }
    if (t === "Group" && (typeof rest.displayName !== "string" || rest.displayName === "")) {
      throw new DirectoryError(400, "displayName is required", "invalidValue");
    }
    if (t === "User") {
      const owner = userNames.get(String(rest.userName).toLowerCase());
      if (owner !== undefined && owner !== id) {
        throw new DirectoryError(409, `userName ${String(rest.userName)} is taken`, "uniqueness");
      }
    }
    const version = prev ? Number(/\d+/.exec(prev.meta.version)?.[0] ?? 0) + 1 : 1;
    return {
      schemas: Array.isArray(schemas)
        ? schemas.map(String)
        : [t === "User" ? USER_SCHEMA : GROUP_SCHEMA],
      id,
      ...rest,
      meta: {
        resourceType: t,
        created: prev?.meta.created ?? at,
        lastModified: at,
        version: `W/"${version}"`,
        location: `${options.baseUrl}/${endpoint(t)}/${id}`,
      },
    };
  }

  function put(t: ResourceType, doc: ScimResource, prev?: ScimResource) {
    if (prev) index(t, prev, false);
    stores[t].set(doc.id, doc);
    index(t, doc, true);
    // An update keeps its place in creation order (a Map's set on a key it holds), so the
    // cached listing is patched, not rebuilt: a benchmark changing 10,000 people of a
    // million one by one otherwise copies the million on every change.
    const list = ordered[t];
    if (prev && list) {
      const at = (positions[t] ??= new Map(list.map((r, i) => [r.id, i]))).get(doc.id);
      if (at !== undefined) {
        list[at] = doc;
        return;
      }
    }
    forget(t);
  }
  const emit = (c: Change) => listeners.forEach((l) => l(c));
  const existing = (t: ResourceType, id: string) => {
    const r = stores[t].get(id);
    if (!r) throw new DirectoryError(404, `${t} ${id} not found`);
    return r;
  };

  const directory = {
    baseUrl: options.baseUrl,
    /** All resources of a type, in creation order (the order ListResponses use). */
    list: (t: ResourceType): readonly ScimResource[] => (ordered[t] ??= [...stores[t].values()]),
    get: (t: ResourceType, id: string): ScimResource | undefined => stores[t].get(id),
    size: (t: ResourceType) => stores[t].size,
    findUserByName: (userName: string) =>
      stores.User.get(userNames.get(userName.toLowerCase()) ?? ""),
    /** Seeds resources without firing events; they share one timestamp. */
    load(t: ResourceType, resources: readonly Json[]) {
      const at = stamp();
      for (const r of resources) {
        put(t, build(t, typeof r.id === "string" && r.id ? r.id : nextId(), r, at));
      }
    },
    /** Empties the directory without firing events (a reset is not a change stream). */
    clear() {
      for (const t of ["User", "Group"] as const) {
        stores[t].clear();
        forget(t);
      }
      userNames.clear();
      memberOf.clear();
    },
    /** Creates a resource; `input.id` is kept when given (seeding), else assigned. */
    create(t: ResourceType, input: Json): ScimResource {
      const id = typeof input.id === "string" && input.id ? input.id : nextId();
      if (stores[t].has(id)) {
        throw new DirectoryError(409, `${t} ${id} already exists`, "uniqueness");
      }
      const doc = build(t, id, input, stamp());
      put(t, doc);
      emit({ type: t, kind: "created", id, resource: doc, at: doc.meta.lastModified });
      return doc;
    },
    /** Replaces a resource (PUT semantics); `ifMatch` is checked against `meta.version`. */
    replace(t: ResourceType, id: string, input: Json, ifMatch?: string): ScimResource {
      const prev = existing(t, id);
      if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== prev.meta.version) {
        throw new DirectoryError(412, `version ${ifMatch} is not current (${prev.meta.version})`);
      }
      const doc = build(t, id, input, stamp(), prev);
      put(t, doc, prev);
      emit({ type: t, kind: "updated", id, resource: doc, at: doc.meta.lastModified });
      return doc;
    },
    /** Patch-ish update: `change` gets the current resource and returns the next one. */
    update(
      t: ResourceType,
      id: string,
      change: (current: ScimResource) => Json,
      ifMatch?: string,
    ): ScimResource {
      return directory.replace(t, id, change(existing(t, id)), ifMatch);
    },
    /** Deletes a resource; a deleted user is also dropped from groups' `members` (each a group update). */
    remove(t: ResourceType, id: string, ifMatch?: string): boolean {
      const prev = stores[t].get(id);
      if (!prev) return false;
      if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== prev.meta.version) {
        throw new DirectoryError(412, `version ${ifMatch} is not current (${prev.meta.version})`);
      }
      index(t, prev, false);
      stores[t].delete(id);
      forget(t);
      emit({ type: t, kind: "deleted", id, resource: null, at: stamp() });
      if (t === "User") {
        for (const gid of [...(memberOf.get(id) ?? [])]) {
          directory.update(
            "Group",
            gid,
            (g) => ({ ...g, members: (g.members as Json[]).filter((m) => m?.value !== id) }),
          );
        }
        memberOf.delete(id);
      }
      return true;
    },
    /** Same as {@link remove}: the RFC's verb. */
    delete: (t: ResourceType, id: string, ifMatch?: string): boolean =>
      directory.remove(t, id, ifMatch),
    /** Subscribes to changes; returns the unsubscribe function. */
    onChange(listener: (c: Change) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return directory;
}

export type Directory = ReturnType<typeof createDirectory>;
