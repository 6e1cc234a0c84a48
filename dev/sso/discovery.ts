/**
 * The discovery documents of the development SSO (RFC 7643 §5–7, RFC 7644 §4):
 * ServiceProviderConfig, ResourceTypes and a brief Schemas listing.
 *
 * @module
 */
import { ENTERPRISE_URN, ORG_UNIT_URN, POSITION_URN } from "./generator.ts";
import { GROUP_SCHEMA, USER_SCHEMA } from "./directory.ts";
import { LIST_URN } from "./scim-http.ts";

/**
 * ServiceProviderConfig, with the page cap the listings enforce.
 *
 * @example
 * ```ts
 * serviceProviderConfig("http://127.0.0.1:5173/scim/v2", 200).filter.maxResults; // 200
 * ```
 */
export function serviceProviderConfig(baseUrl: string, maxResults: number) {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    documentationUri: "https://www.rfc-editor.org/rfc/rfc7644",
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [{
      type: "oauthbearertoken",
      name: "OAuth Bearer Token",
      description: "OAuth 2.0 client credentials grant at /scim/v2/token (RFC 6749 §4.4)",
      specUri: "https://www.rfc-editor.org/rfc/rfc6750",
      primary: true,
    }],
    meta: { resourceType: "ServiceProviderConfig", location: `${baseUrl}/ServiceProviderConfig` },
  };
}

const list = <T extends { id: string }>(Resources: T[]) => ({
  schemas: [LIST_URN],
  totalResults: Resources.length,
  startIndex: 1,
  itemsPerPage: Resources.length,
  Resources,
});

/**
 * The ResourceTypes ListResponse: User (with its two extensions) and Group.
 *
 * @example
 * ```ts
 * resourceTypes(base).Resources.map((r) => r.name); // ["User", "Group"]
 * ```
 */
export function resourceTypes(baseUrl: string) {
  const type = (name: string, endpoint: string, schema: string, extensions: string[]) => ({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    id: name,
    name,
    endpoint: `/${endpoint}`,
    schema,
    schemaExtensions: extensions.map((s) => ({ schema: s, required: false })),
    meta: { resourceType: "ResourceType", location: `${baseUrl}/ResourceTypes/${name}` },
  });
  return list([
    type("User", "Users", USER_SCHEMA, [ENTERPRISE_URN, POSITION_URN]),
    type("Group", "Groups", GROUP_SCHEMA, [ORG_UNIT_URN]),
  ]);
}

type Attr = [name: string, type: string, extra?: Record<string, unknown>];
const attr = ([name, type, extra]: Attr) => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...extra,
});

/**
 * The Schemas ListResponse, brief: the attributes this server fills.
 *
 * @example
 * ```ts
 * schemas(base).totalResults; // 5
 * ```
 */
export function schemas(baseUrl: string) {
  const schema = (id: string, name: string, attrs: Attr[]) => ({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    id,
    name,
    attributes: attrs.map(attr),
    meta: { resourceType: "Schema", location: `${baseUrl}/Schemas/${id}` },
  });
  const multi = { multiValued: true };
  return list([
    schema(USER_SCHEMA, "User", [
      ["userName", "string", { required: true, uniqueness: "server" }],
      ["name", "complex"],
      ["displayName", "string"],
      ["title", "string"],
      ["active", "boolean"],
      ["emails", "complex", multi],
      ["phoneNumbers", "complex", multi],
    ]),
    schema(GROUP_SCHEMA, "Group", [["displayName", "string", { required: true }], [
      "members",
      "complex",
      multi,
    ]]),
    schema(ENTERPRISE_URN, "EnterpriseUser", [
      ["employeeNumber", "string"],
      ["organization", "string"],
      ["department", "string"],
      ["manager", "complex"],
    ]),
    schema(POSITION_URN, "Position", [["id", "string"], ["title", "string"]]),
    schema(ORG_UNIT_URN, "OrgUnit", [["unitType", "string"], ["level", "integer"], [
      "parentUnitId",
      "string",
    ], ["managerId", "string"]]),
  ]);
}
