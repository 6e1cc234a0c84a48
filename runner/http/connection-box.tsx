/**
 * The sync page's connection box: green with the SSO's ServiceProviderConfig
 * (bulk, filter, max results), or red with the error and what to check.
 *
 * @module
 */
import { Mark } from "./marks.tsx";
import type { Connection } from "./page-data.ts";
import { num } from "./page-format.tsx";

/**
 * The connection box.
 *
 * @example
 * ```tsx
 * <ConnectionBox c={data.connection} sso={data.ssoBaseUrl} />
 * ```
 */
export function ConnectionBox({ c, sso }: { c: Connection; sso: string }) {
  if (!c.ok) {
    return (
      <div class="box bad" id="connection">
        <strong>
          <Mark name="bad" /> Connection Failed
        </strong>
        <div class="err">{c.error}</div>
        <p style="margin:10px 0 0">Check that:</p>
        <ul>
          <li>Aksara SSO is running ({sso})</li>
          <li>SCIM client credentials are correct</li>
          <li>No firewall blocking the connection</li>
        </ul>
      </div>
    );
  }
  const { bulk, filter } = c.config;
  return (
    <div class="box ok" id="connection">
      <strong>
        <Mark name="ok" /> Connected to Aksara SSO
      </strong>
      <dl class="kv">
        <dt>Bulk Operations</dt>
        <dd>
          {bulk.supported
            ? `Supported${bulk.maxOperations ? ` (max ${num(bulk.maxOperations)})` : ""}`
            : "Not supported"}
        </dd>
        <dt>Filtering support</dt>
        <dd>{filter.supported ? "Supported" : "Not supported"}</dd>
        <dt>Max Results</dt>
        <dd>{filter.maxResults != null ? num(filter.maxResults) : "not stated"}</dd>
        <dt>SSO</dt>
        <dd>{sso}</dd>
      </dl>
    </div>
  );
}
