/**
 * Before a purge deletes anyone for good it proves it is talking to the
 * directory that knows these people: the SSO's ServiceProviderConfig
 * answers, a listing returns users, and a sample of the accounts the sync
 * knows as active answer 200 by id as themselves. A wrong SCIM_BASE_URL (a
 * site that answers 404 pages for everything) fails here, before any
 * candidate is asked about.
 *
 * @module
 */
import { isScimNotFound, ScimSyncError } from "../../shared/errors.ts";

/**
 * The purge could not prove the directory; nothing was deleted.
 *
 * @example
 * ```ts
 * throw new DirectoryUnprovenError("the SSO's listing of users is empty");
 * ```
 */
export class DirectoryUnprovenError extends ScimSyncError {
  constructor(why: string) {
    super(
      "DIRECTORY_UNPROVEN",
      `Purge refused: ${why}. Nobody was deleted. Check SCIM_BASE_URL and the SSO, then run again.`,
    );
  }
}

/** What the proof asks of the SSO and of OFM. */
export interface ProofDeps {
  scim: {
    serviceProviderConfig(): Promise<unknown>;
    get(path: string, query?: Record<string, string>): Promise<unknown>;
  };
  /** Up to `n` SSO ids of accounts the sync knows as active. */
  sampleActive(n: number): Promise<string[]>;
  /** PURGE_MAX_MISSING_SHARE: the share of the sample that may answer a SCIM 404. */
  maxMissingShare: number;
}

/** Accounts of the sample asked by id. */
export const SAMPLE = 20;

/**
 * Proves the directory, or throws why not.
 *
 * @throws {DirectoryUnprovenError} when any step fails
 * @example
 * ```ts
 * await proveDirectory({ scim: client, sampleActive: (n) => store.sampleActive(n), maxMissingShare: 0.1 });
 * ```
 */
export async function proveDirectory(deps: ProofDeps): Promise<void> {
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw new DirectoryUnprovenError(
        `${what} failed (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  };
  await step("GET /ServiceProviderConfig", () => deps.scim.serviceProviderConfig());
  const list = await step("GET /Users", () => deps.scim.get("/Users", { count: "1" }));
  const l = list as { totalResults?: unknown; Resources?: unknown } | null;
  if (
    typeof l?.totalResults !== "number" || l.totalResults < 1 || !Array.isArray(l.Resources) ||
    l.Resources.length < 1
  ) {
    throw new DirectoryUnprovenError("the SSO's listing of users returned nobody");
  }
  const sample = await deps.sampleActive(SAMPLE);
  let missing = 0;
  for (const id of sample) {
    const answer = await deps.scim.get(`/Users/${encodeURIComponent(id)}`).then(
      (body) => ({ ok: true as const, body }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (answer.ok && (answer.body as { id?: unknown } | null)?.id === id) continue;
    if (!answer.ok && isScimNotFound(answer.error)) {
      missing++;
      continue;
    }
    const why = answer.ok
      ? "answered with another resource"
      : answer.error instanceof Error
      ? answer.error.message
      : String(answer.error);
    throw new DirectoryUnprovenError(
      `GET /Users/${id}, an account the sync knows as active: ${why}`,
    );
  }
  if (sample.length > 0 && missing / sample.length > deps.maxMissingShare) {
    throw new DirectoryUnprovenError(
      `${missing} of ${sample.length} accounts the sync knows as active are unknown to the SSO ` +
        `(more than PURGE_MAX_MISSING_SHARE ${Math.round(deps.maxMissingShare * 100)}%)`,
    );
  }
}
