/**
 * The development SSO's in-memory directory: Users and Groups with `meta`
 * kept as a standard server does (created, lastModified strictly increasing,
 * version), and change listeners for the webhook sender.
 *
 * @module
 */
import type { Json } from "./filter.ts";

export type ResourceType = "User" | "Group";
export type ChangeKind = "created" | "updated" | "deleted";
export interface Change {
  type: ResourceType;
  kind: ChangeKind;
  id: string;
  resource: Json | null;
}

/**
 * Creates a directory.
 *
 * @example
 * ```ts
 * const dir = createDirectory({ baseUrl: "http://localhost:5173/scim/v2" });
 * dir.create("User", { userName: "a@x" });
 * ```
 */
export function createDirectory(options: { baseUrl: string; now?: () => number }) {
  const now = options.now ?? Date.now;
  const stores: Record<ResourceType, Map<string, Json>> = { User: new Map(), Group: new Map() };
  const listeners: ((c: Change) => void)[] = [];
  let last = 0;
  let seq = 0;
  // lastModified strictly increases, so `gt` filters never miss a change made in the same millisecond.
  const stamp = () => {
    last = Math.max(now(), last + 1);
    return new Date(last).toISOString();
  };
  const path = (t: ResourceType) => (t === "User" ? "Users" : "Groups");
  const withMeta = (t: ResourceType, r: Json, created?: string): Json => {
    const at = stamp();
    return {
      ...r,
      meta: {
        resourceType: t,
        created: created ?? at,
        lastModified: at,
        version: `W/"${++seq}"`,
        location: `${options.baseUrl}/${path(t)}/${String(r.id)}`,
      },
    };
  };
  const emit = (c: Change) => listeners.forEach((l) => l(c));

  return {
    list: (t: ResourceType) => [...stores[t].values()],
    get: (t: ResourceType, id: string) => stores[t].get(id),
    size: (t: ResourceType) => stores[t].size,
    /** Loads resources without firing events (seeding). */
    load(t: ResourceType, resources: Json[]) {
      for (const r of resources) stores[t].set(String(r.id), withMeta(t, r));
    },
    clear() {
      stores.User.clear();
      stores.Group.clear();
    },
    create(t: ResourceType, r: Json): Json {
      const id = typeof r.id === "string" && r.id ? r.id : crypto.randomUUID().replaceAll("-", "").slice(0, 24);
      const doc = withMeta(t, { ...r, id });
      stores[t].set(id, doc);
      emit({ type: t, kind: "created", id, resource: doc });
      return doc;
    },
    replace(t: ResourceType, id: string, r: Json): Json | undefined {
      const old = stores[t].get(id);
      if (!old) return undefined;
      const doc = withMeta(t, { ...r, id }, (old.meta as Json).created as string);
      stores[t].set(id, doc);
      emit({ type: t, kind: "updated", id, resource: doc });
      return doc;
    },
    remove(t: ResourceType, id: string): boolean {
      const ok = stores[t].delete(id);
      if (ok) emit({ type: t, kind: "deleted", id, resource: null });
      return ok;
    },
    onChange(l: (c: Change) => void) {
      listeners.push(l);
    },
  };
}

export type Directory = ReturnType<typeof createDirectory>;
