/**
 * What the sync page shows, loaded and validated: the connection check,
 * `syncHistory` and `webhookEvents` rows (documents written by other modules
 * and other versions, so each is parsed and a bad one is skipped, not fatal),
 * and the scheduler's state.
 *
 * @module
 */
import { z } from "zod";
import type { ServiceProviderConfig } from "../../shared/scim-schemas.ts";
import type { Job, PlannedSyncType } from "../scheduler/types.ts";
import type { SyncPreview } from "../preview/sync-preview.ts";
import type { HeldPanelData } from "./held-panel.tsx";
import type { MarkName } from "./marks.tsx";
import { type HourBucket, hourBuckets } from "./trend-chart.tsx";

const count = z.number().int().nonnegative().catch(0);

/** A `syncHistory` row as the page shows it. */
export const HistoryRow = z.object({
  _id: z.unknown().optional().transform((v) => (v === undefined || v === null ? null : String(v))),
  type: z.string(),
  status: z.string(),
  startedAt: z.date(),
  completedAt: z.date().nullable().catch(null),
  durationMs: z.number().optional().catch(undefined),
  runner: z.string().optional().catch(undefined),
  filter: z.string().nullish().catch(null),
  dryRun: z.boolean().optional().catch(undefined),
  complete: z.boolean().optional().catch(undefined),
  incompleteReason: z.string().nullish().catch(null),
  stats: z.object({
    usersCreated: count,
    usersUpdated: count,
    usersUnchanged: count,
    usersDeactivated: count,
    orgUnitsCreated: count,
    orgUnitsUpdated: count,
    orgUnitsUnchanged: count,
    orgUnitsDeactivated: count,
    usersFetched: count,
    orgUnitsFetched: count,
    /** Existing OFM accounts matched on first contact (identity/), absent on older records. */
    usersLinked: z.number().int().nonnegative().optional().catch(undefined),
    usersRelinked: z.number().int().nonnegative().optional().catch(undefined),
    /** A purge's hard deletes (purge/run-purge.ts); absent on syncs. */
    usersDeleted: z.number().int().nonnegative().optional().catch(undefined),
    errors: z.array(z.looseObject({
      resourceType: z.string().optional().catch(undefined),
      resourceId: z.string().nullish().catch(null),
      code: z.string().optional().catch(undefined),
      message: z.string().catch("(no message)"),
    })).catch([]),
  }).catch({
    usersCreated: 0,
    usersUpdated: 0,
    usersUnchanged: 0,
    usersDeactivated: 0,
    orgUnitsCreated: 0,
    orgUnitsUpdated: 0,
    orgUnitsUnchanged: 0,
    orgUnitsDeactivated: 0,
    usersFetched: 0,
    orgUnitsFetched: 0,
    errors: [],
  }),
  error: z.object({ code: z.string(), message: z.string() }).nullish().catch(null),
});
export type HistoryRow = z.infer<typeof HistoryRow>;

/** A `webhookEvents` row as the page shows it. */
export const EventRow = z.object({
  eventId: z.string().optional().catch(undefined),
  event: z.string(),
  resourceType: z.string(),
  resourceId: z.string(),
  action: z.string().catch("?"),
  receivedAt: z.date(),
  processedAt: z.date().nullish().catch(null),
  status: z.string(),
  error: z.string().nullish().catch(null),
});
export type EventRow = z.infer<typeof EventRow>;

/** The connection box: ServiceProviderConfig or the error. */
export type Connection = { ok: true; config: ServiceProviderConfig } | { ok: false; error: string };

/** Everything the page renders. */
export interface SyncPageData {
  now: Date;
  ssoBaseUrl: string;
  connection: Connection;
  history: HistoryRow[];
  /** null when this runner has no webhook event store. */
  events: EventRow[] | null;
  /** The first page of held deactivations (held-panel.tsx); null when not read. */
  held: HeldPanelData | null;
  /** Rows that failed validation and were left out. */
  skippedRows: number;
  next: { at: Date; type: PlannedSyncType } | null;
  /**
   * The run in flight here, or a `running` history row of the replica holding
   * the lease. `running` rows while nobody holds the lease were abandoned
   * (a replica died mid-sync) and `abandoned` is true.
   */
  running: {
    job: Job | null;
    elsewhere: HistoryRow | null;
    holder: string | null;
    abandoned: boolean;
  };
  /** The outcome the page was asked about (`?run=` or `?refused=`). */
  flash: Flash | null;
  /** Webhook events per hour over the last TREND_HOURS; null without a webhook event store. */
  eventHours: HourBucket[] | null;
  /** A preview asked for with the page's Preview button (its first entries per list). */
  preview?: SyncPreview | null;
  /** The id its whole plan is kept under, for "show all" and the downloads. */
  previewId?: string | null;
  /** The last finished unfiltered full sync, whatever its outcome; null when none (or not read). */
  lastFull: HistoryRow | null;
}

/** Hours the webhook trend covers. */
export const TREND_HOURS = 48;

/** A `webhookEvents` row as the trend counts it. */
const TrendEvent = z.object({ receivedAt: z.date(), status: z.string() });

/** An alert at the top of the page. */
export type Flash = {
  kind: "success" | "error" | "info";
  title: string;
  text: string;
  /** The mark before the title. @default by kind: ok, bad, info */
  mark?: MarkName;
};

/** Sources of {@linkcode loadSyncPage}. */
export interface PageSources {
  ssoBaseUrl: string;
  connection(): Promise<Connection>;
  recentHistory(limit: number): Promise<unknown[]>;
  recentEvents?: (limit: number) => Promise<unknown[]>;
  /** `receivedAt` and `status` of webhook events received since `since` (the trend). */
  eventsSince?: (since: Date) => Promise<unknown[]>;
  /** The first page of held deactivations (held-routes.tsx `heldPanelData`). */
  heldPage?: () => Promise<HeldPanelData>;
  /** Owner of the sync lease, or null when free. */
  leaseHolder(): Promise<string | null>;
  /** The last finished unfiltered full sync (store/last-full-sync.ts); absent: from the 20 rows only. */
  lastFullSync?: () => Promise<unknown | null>;
  scheduler: {
    readonly current: Job | null;
    readonly nextRunAt: Date | null;
    readonly nextRunType: PlannedSyncType | null;
  };
  now: () => Date;
  /** Deadline of the connection check, so a dead SSO does not stall the page. @default 5000 */
  connectionTimeoutMs?: number;
}

function parseRows<T>(schema: z.ZodType<T>, docs: unknown[]): { rows: T[]; skipped: number } {
  const rows: T[] = [];
  for (const doc of docs) {
    const parsed = schema.safeParse(doc);
    if (parsed.success) rows.push(parsed.data);
  }
  return { rows, skipped: docs.length - rows.length };
}

async function deadline<T>(p: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => (handle = setTimeout(() => resolve(onTimeout()), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(handle));
}

/**
 * Loads the page's data; MongoDB errors propagate (the page then answers 503).
 *
 * @example
 * ```ts
 * const data = await loadSyncPage(sources, null);
 * data.history.length; // up to 20
 * ```
 */
export async function loadSyncPage(src: PageSources, flash: Flash | null): Promise<SyncPageData> {
  const timeoutMs = src.connectionTimeoutMs ?? 5_000;
  const now = src.now();
  const since = new Date(now.getTime() - TREND_HOURS * 3_600_000);
  const [connection, historyDocs, eventDocs, holder, held, trendDocs, fullDoc] = await Promise
    .all([
      deadline(src.connection(), timeoutMs, (): Connection => ({
        ok: false,
        error: `Connection Failed: no answer from ${src.ssoBaseUrl} within ${timeoutMs / 1000}s`,
      })),
      src.recentHistory(20),
      src.recentEvents ? src.recentEvents(50) : Promise.resolve(null),
      src.leaseHolder(),
      src.heldPage ? src.heldPage() : Promise.resolve(null),
      src.eventsSince ? src.eventsSince(since) : Promise.resolve(null),
      src.lastFullSync ? src.lastFullSync() : Promise.resolve(null),
    ]);
  const trend = trendDocs === null ? null : parseRows(TrendEvent, trendDocs).rows;
  const history = parseRows(HistoryRow, historyDocs);
  const events = eventDocs === null ? null : parseRows(EventRow, eventDocs);
  const job = src.scheduler.current;
  const runningRow = history.rows.find((r) => r.status === "running") ?? null;
  const elsewhere = job || holder === null ? null : runningRow;
  const at = src.scheduler.nextRunAt;
  return {
    now,
    ssoBaseUrl: src.ssoBaseUrl,
    connection,
    history: history.rows,
    events: events?.rows ?? null,
    held,
    skippedRows: history.skipped + (events?.skipped ?? 0),
    next: at ? { at, type: src.scheduler.nextRunType ?? "full" } : null,
    running: { job, elsewhere, holder, abandoned: holder === null && job === null },
    flash,
    eventHours: trend === null ? null : hourBuckets(trend, now, TREND_HOURS),
    lastFull: lastFullOf(fullDoc, history.rows),
  };
}

/** The stored last full sync, else the newest one among the rows read. */
function lastFullOf(doc: unknown, rows: readonly HistoryRow[]): HistoryRow | null {
  const parsed = doc === null ? null : HistoryRow.safeParse(doc);
  if (parsed?.success) return parsed.data;
  return rows.find((r) =>
    r.type === "scim_full_sync" && r.status !== "running" && !r.dryRun && !r.filter
  ) ?? null;
}
