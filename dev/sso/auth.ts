/**
 * Authentication of the development SSO: OAuth 2.0 client credentials
 * (RFC 6749 §4.4) issuing random, expiring bearer tokens, an optional static
 * token as many directories hand out. The request allowance is allowance.ts.
 *
 * @module
 */

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
}
export type TokenCheck = { ok: true; clientId: string } | {
  ok: false;
  reason: "missing" | "invalid" | "expired";
};

/** Compares without returning early on the first difference (secrets). */
function safeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  }
  return diff === 0;
}

/**
 * Client credentials from HTTP Basic (preferred by RFC 6749 §2.3.1) or the form body.
 *
 * @example
 * ```ts
 * readClientCredentials("Basic " + btoa("id:secret"), {}); // { clientId: "id", clientSecret: "secret" }
 * ```
 */
export function readClientCredentials(
  authorization: string | undefined,
  form: Record<string, unknown>,
): ClientCredentials | null {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  if (basic) {
    let decoded: string;
    try {
      decoded = atob(basic);
    } catch {
      return null;
    }
    const colon = decoded.indexOf(":");
    if (colon < 0) return null;
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, " "));
      } catch {
        return s;
      }
    };
    return { clientId: dec(decoded.slice(0, colon)), clientSecret: dec(decoded.slice(colon + 1)) };
  }
  const [id, secret] = [form.client_id, form.client_secret];
  return typeof id === "string" && typeof secret === "string"
    ? { clientId: id, clientSecret: secret }
    : null;
}

/**
 * The token issuer.
 *
 * @example
 * ```ts
 * const tokens = createTokenIssuer({ clients: [{ clientId: "c", clientSecret: "s" }], expiresIn: 3600 });
 * if (tokens.authenticate({ clientId: "c", clientSecret: "s" })) tokens.issue("c");
 * tokens.verify("Bearer …"); // { ok: true, clientId: "c" }
 * ```
 */
export function createTokenIssuer(
  options: {
    clients: ClientCredentials[];
    expiresIn: number;
    clock?: () => number;
    staticToken?: string;
  },
) {
  const clock = options.clock ?? Date.now;
  const live = new Map<string, { clientId: string; expiresAt: number }>();
  const stats = { issued: 0, refused: 0 };
  const random = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0"))
      .join("");
  return {
    stats,
    authenticate(c: ClientCredentials): boolean {
      const ok = options.clients.some((k) =>
        safeEqual(k.clientId, c.clientId) && safeEqual(k.clientSecret, c.clientSecret)
      );
      if (!ok) stats.refused++;
      return ok;
    },
    issue(clientId: string): TokenResponse {
      const now = clock();
      for (const [t, v] of live) if (v.expiresAt <= now) live.delete(t);
      const token = random();
      live.set(token, { clientId, expiresAt: now + options.expiresIn * 1000 });
      stats.issued++;
      return { access_token: token, token_type: "Bearer", expires_in: options.expiresIn };
    },
    /** Checks an `Authorization` header value. */
    verify(authorization: string | undefined): TokenCheck {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
      if (!token) return { ok: false, reason: "missing" };
      if (options.staticToken && safeEqual(token, options.staticToken)) {
        return { ok: true, clientId: "static-token" };
      }
      const entry = live.get(token);
      if (!entry) return { ok: false, reason: "invalid" };
      if (entry.expiresAt <= clock()) {
        live.delete(token);
        return { ok: false, reason: "expired" };
      }
      return { ok: true, clientId: entry.clientId };
    },
    /** Forgets every issued token (tests of re-authentication). */
    revokeAll() {
      live.clear();
    },
  };
}
export type TokenIssuer = ReturnType<typeof createTokenIssuer>;
