/**
 * The sync page's notice while the schedule is quarantined
 * (scheduler/quarantine.ts): why, since when, the last error, and the
 * "Retry now" button (a form POST to `/modules/sync/retry`, behind the admin
 * rule like the rest of the page).
 *
 * @module
 */
import type { QuarantineState } from "../scheduler/quarantine.ts";
import { Time } from "./page-format.tsx";

/**
 * The notice, or nothing when not quarantined.
 *
 * @example
 * ```tsx
 * <QuarantineNotice q={scheduler.quarantine} intervalMs={config.quarantineIntervalMs} />
 * ```
 */
export function QuarantineNotice(
  { q, intervalMs }: { q: QuarantineState | null; intervalMs: number },
) {
  if (!q?.active) return null;
  const every = intervalMs % 3_600_000 === 0
    ? `${intervalMs / 3_600_000} h`
    : `${Math.round(intervalMs / 60_000)} min`;
  return (
    <div class="alert error" role="alert" id="quarantine">
      <strong>🚧 Quarantined.</strong>
      {q.failures} full syncs failed in a row{q.since
        ? (
          <>
            {" "}(since <Time d={q.since} />)
          </>
        )
        : null}; full syncs now run every {every} until one succeeds. Last error:{" "}
      {q.lastError ?? "unknown"}.
      <form method="post" action="/modules/sync/retry" class="actions">
        <button class="btn" type="submit">Retry now</button>
      </form>
    </div>
  );
}
