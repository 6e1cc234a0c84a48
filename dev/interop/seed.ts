/**
 * Talking to an interop server through its own SCIM API, as an identity
 * provider would: creating users (with the enterprise extension) and groups,
 * patching and deleting them. Nothing here knows a server's internals.
 *
 * @module
 */

export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/** One answer of the server. */
export interface ScimAnswer {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** A SCIM client of the server, with its bearer token. */
export interface ScimApi {
  request(method: string, path: string, body?: unknown): Promise<ScimAnswer>;
}

/**
 * A client of the SCIM API at `baseUrl`.
 *
 * @example
 * ```ts
 * const api = scimApi(server.baseUrl, server.token);
 * await api.request("DELETE", `/Users/${id}`);
 * ```
 */
export function scimApi(baseUrl: string, token: string): ScimApi {
  return {
    async request(method, path, body) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: "application/scim+json",
          ...(body === undefined ? {} : { "Content-Type": "application/scim+json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
}

/**
 * The `i`-th seeded user: core attributes and the enterprise extension.
 *
 * @example
 * ```ts
 * interopUser(7).userName; // "interop-0007@ias.co.id"
 * ```
 */
export function interopUser(i: number, managerId?: string) {
  const n = String(i).padStart(4, "0");
  return {
    schemas: [USER, ENTERPRISE],
    userName: `interop-${n}@ias.co.id`,
    name: { givenName: `Given${n}`, familyName: `Family${n}` },
    active: true,
    emails: [{ value: `interop-${n}@ias.co.id`, type: "work", primary: true }],
    phoneNumbers: [{ value: `+62-21-555-${n}`, type: "work" }],
    [ENTERPRISE]: {
      employeeNumber: `E${n}`,
      department: `dept-${i % 7}`,
      organization: "ias",
      ...(managerId ? { manager: { value: managerId } } : {}),
    },
  };
}

/** Creates one resource; anything but 201 is an error naming the server's answer. */
async function create(api: ScimApi, path: string, body: unknown): Promise<string> {
  const res = await api.request("POST", path, body);
  if (res.status !== 201 || typeof res.body?.id !== "string") {
    throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body.id;
}

/** Creates users through /Bulk (RFC 7644 §3.7), 100 operations a request. */
async function bulkCreate(api: ScimApi, bodies: unknown[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < bodies.length; i += 100) {
    const Operations = bodies.slice(i, i + 100).map((data, k) => ({
      method: "POST",
      path: "/Users",
      bulkId: `u${i + k}`,
      data,
    }));
    const res = await api.request("POST", "/Bulk", { schemas: [BULK], Operations });
    const done = (res.body?.Operations ?? []) as Array<{ status: string; location?: string }>;
    if (res.status !== 200 || done.some((o) => String(o.status) !== "201")) {
      throw new Error(
        `POST /Bulk answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`,
      );
    }
    ids.push(...done.map((o) => o.location!.slice(o.location!.lastIndexOf("/") + 1)));
  }
  return ids;
}

/**
 * Creates `users` users (each after the first managed by the first) and
 * `groups` groups through the server's SCIM API: through /Bulk where its
 * ServiceProviderConfig offers it (one request instead of hundreds: a POST
 * costs ~90 ms on scim2-server here), else a few POSTs at a time.
 *
 * @returns the ids the server gave, in creation order
 * @example
 * ```ts
 * const { userIds } = await seedDirectory(api, { users: 200, groups: 3 });
 * ```
 */
export async function seedDirectory(
  api: ScimApi,
  opts: { users: number; groups: number },
): Promise<{ userIds: string[]; groupIds: string[] }> {
  const boss = await create(api, "/Users", interopUser(1));
  const rest = Array.from({ length: opts.users - 1 }, (_, k) => interopUser(k + 2, boss));
  const spc = await api.request("GET", "/ServiceProviderConfig");
  const userIds = [boss];
  if (spc.body?.bulk?.supported === true) userIds.push(...await bulkCreate(api, rest));
  else {
    for (let i = 0; i < rest.length; i += 8) {
      const batch = rest.slice(i, i + 8);
      userIds.push(...await Promise.all(batch.map((u) => create(api, "/Users", u))));
    }
  }
  const groupIds: string[] = [];
  for (let g = 1; g <= opts.groups; g++) {
    const members = userIds.filter((_, k) => k % opts.groups === g - 1).slice(0, 20);
    groupIds.push(
      await create(api, "/Groups", {
        schemas: [GROUP],
        displayName: `Interop unit ${g}`,
        members: members.map((value) => ({ value })),
      }),
    );
  }
  return { userIds, groupIds };
}

/**
 * A PATCH replacing one attribute (RFC 7644 §3.5.2.3).
 *
 * @example
 * ```ts
 * await api.request("PATCH", `/Users/${id}`, replaceOp("name.familyName", "Wijaya"));
 * ```
 */
export function replaceOp(path: string, value: unknown) {
  return { schemas: [PATCH_OP], Operations: [{ op: "replace", path, value }] };
}
