/**
 * How a client-credentials token request presents the client (RFC 6749
 * §2.3.1): `client_secret_post` puts the id and secret in the form, as the
 * guide's curl does; `client_secret_basic` sends them as HTTP Basic, each
 * form-urlencoded before base64 as the RFC requires (so a secret with `:` or
 * `%` survives). `scope` and `audience` go in the form when configured.
 * Pure: builds the request's body and headers, sends nothing.
 *
 * @module
 */
import type { TokenAuthMethod } from "../config.ts";

/** The client as the token request needs it (a subset of the config's auth). */
export interface TokenClient {
  clientId: string;
  clientSecret: string;
  /** @default "client_secret_post" */
  method?: TokenAuthMethod;
  /** Sent as `scope` when set (space-separated, RFC 6749 §3.3). */
  scope?: string;
  /** Sent as `audience` when set (Auth0, Okta and others scope tokens to an API this way). */
  audience?: string;
}

/**
 * `application/x-www-form-urlencoded` of one value (RFC 6749 Appendix B):
 * what URLSearchParams writes, space as `+`.
 *
 * @example
 * ```ts
 * formEncode("a b:c%"); // "a+b%3Ac%25"
 * ```
 */
export function formEncode(value: string): string {
  return new URLSearchParams([["", value]]).toString().slice(1);
}

/**
 * The `Authorization` value of `client_secret_basic`: Basic base64 of
 * `formEncode(id):formEncode(secret)`. The encoded text is ASCII, so `btoa`
 * is safe for any Unicode secret.
 *
 * @example
 * ```ts
 * basicAuthorization("id", "s:cret"); // "Basic aWQ6cyUzQWNyZXQ="
 * ```
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

/**
 * The form and headers of one client-credentials request for `client`.
 *
 * @returns the form body and the headers to send with it
 * @example
 * ```ts
 * const { body, headers } = tokenRequestParts({ clientId: "id", clientSecret: "s", method: "client_secret_basic", scope: "scim" });
 * body.toString(); // "grant_type=client_credentials&scope=scim"
 * ```
 */
export function tokenRequestParts(
  client: TokenClient,
): { body: URLSearchParams; headers: Record<string, string> } {
  const body = new URLSearchParams({ grant_type: "client_credentials" });
  const headers: Record<string, string> = {
    "Content-Type": "application/x-www-form-urlencoded",
    Accept: "application/json",
  };
  if (client.method === "client_secret_basic") {
    headers.Authorization = basicAuthorization(client.clientId, client.clientSecret);
  } else {
    body.set("client_id", client.clientId);
    body.set("client_secret", client.clientSecret);
  }
  if (client.scope) body.set("scope", client.scope);
  if (client.audience) body.set("audience", client.audience);
  return { body, headers };
}
