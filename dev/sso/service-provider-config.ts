/**
 * The development SSO's ServiceProviderConfig (RFC 7643 §5).
 *
 * @module
 */

/**
 * The document, with the page cap the listings enforce.
 *
 * @example
 * ```ts
 * spcDocument(200).filter.maxResults; // 200
 * ```
 */
export function spcDocument(maxResults: number) {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    documentationUri: "http://localhost:5173/docs/scim",
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{
      type: "oauthbearertoken",
      name: "OAuth Bearer Token",
      description: "OAuth 2.0 client credentials at /scim/v2/token",
      primary: true,
    }],
    meta: { resourceType: "ServiceProviderConfig", location: "/scim/v2/ServiceProviderConfig" },
  };
}
