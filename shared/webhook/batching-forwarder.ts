/**
 * Forwarding with natural batching (group commit): while a request to the
 * ingestion API is open, newly verified events wait and leave together in
 * the next request. A lone event goes out at once, as a single event, so
 * batching adds no timer and no latency when idle; under load an event waits
 * at most for the request already out. Each request costs the edge the same
 * CPU whatever it carries (fetch, HMAC, answer: ~0.2 ms, the edge's largest
 * cost after the SSO's HMAC, see bench/edge-load.ts), so a second request
 * opens (up to `maxInFlight`) only while a full batch waits: a burst the
 * first cannot absorb.
 *
 * A request (a batch, or a lone event) is tried once. Any event it did not
 * store (the request failed, the runner predates batches, or its own outcome
 * was `failed`) is sent again on its own by the single-event forwarder, with
 * its retries and backoff, in what is left of its deadline, outside the
 * request slots.
 *
 * @module
 */
import { signScimBody } from "../signature.ts";
import { BatchAnswer, type ForwardedEvent, MAX_BATCH_EVENTS } from "../webhook-event.ts";
import type { Forward, ForwardResult } from "./app.ts";
import {
  createHttpForwarder,
  type HttpForwarderOptions,
  postSigned,
  storedAnswer,
} from "./forwarder.ts";

/** Options of {@linkcode createBatchingForwarder}. */
export interface BatchingForwarderOptions extends HttpForwarderOptions {
  /**
   * Requests to the ingestion API open at once. Beyond the first, one opens only while a
   * full batch (maxBatch events) waits. @default 2
   */
  maxInFlight?: number;
  /** Most events in one request. @default 100 */
  maxBatch?: number;
  /** Most bytes of one batch's body (the ingestion API takes up to 1 MiB). @default 524288 */
  maxBatchBytes?: number;
  /** @default Date.now */
  clock?: () => number;
}

interface Waiting {
  event: ForwardedEvent;
  json: string;
  deadline: number;
  resolve: (r: ForwardResult) => void;
}

/** The batching limits with their defaults, each checked up front. */
function batchLimits(options: BatchingForwarderOptions) {
  const limits = {
    maxInFlight: options.maxInFlight ?? 2,
    maxBatch: Math.min(options.maxBatch ?? MAX_BATCH_EVENTS, MAX_BATCH_EVENTS),
    maxBytes: options.maxBatchBytes ?? 512 * 1024,
  };
  const named = {
    maxInFlight: limits.maxInFlight,
    maxBatch: limits.maxBatch,
    maxBatchBytes: limits.maxBytes,
  };
  for (const [name, v] of Object.entries(named)) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new RangeError(`${name} must be a positive integer, got ${v}`);
    }
  }
  return limits;
}

/** Takes the next batch off the queue: up to maxBatch events and maxBytes. */
function takeBatch(waiting: Waiting[], maxBatch: number, maxBytes: number): Waiting[] {
  const batch: Waiting[] = [];
  let bytes = 16;
  while (waiting.length > 0 && batch.length < maxBatch) {
    const next = waiting[0] as Waiting;
    if (batch.length > 0 && bytes + next.json.length + 1 > maxBytes) break;
    bytes += next.json.length + 1;
    batch.push(waiting.shift() as Waiting);
  }
  return batch;
}

/** What one request to the ingestion API needs. */
interface Hop {
  url: string;
  secret: string;
  fetch: typeof fetch;
  clock: () => number;
}

/**
 * Sends a batch once (a lone event in the single-event format); returns the outcome of
 * each event, or null for "send it alone", with retries, outside the slot.
 */
async function sendOnce(hop: Hop, batch: Waiting[]): Promise<(ForwardResult | null)[]> {
  const lone = batch.length === 1 ? batch[0] as Waiting : null;
  const body = lone ? lone.json : `{"events":[${batch.map((w) => w.json).join(",")}]}`;
  // Cleared once answered: an AbortSignal.timeout would fire seconds later for every
  // request, each time building a DOMException (measurable CPU under load).
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("deadline passed", "TimeoutError")),
    Math.max(1, Math.min(...batch.map((w) => w.deadline)) - hop.clock()),
  );
  try {
    const res = await postSigned(
      hop.fetch,
      hop.url,
      body,
      await signScimBody(hop.secret, body),
      controller.signal,
    );
    const json: unknown = await res.json().catch(() => null);
    if (lone) return [res.ok ? storedAnswer(json) : null];
    const answer = BatchAnswer.safeParse(json);
    if (!res.ok || !answer.success || answer.data.results.length !== batch.length) {
      return batch.map(() => null);
    }
    return answer.data.results.map((
      r,
    ) => (r.status === "failed" ? null : { ok: true, status: r.status }));
  } catch {
    return batch.map(() => null);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates a forward function for {@linkcode createWebhookApp} that batches
 * events under load and otherwise behaves as {@linkcode createHttpForwarder}.
 *
 * @param options as createHttpForwarder's, plus the batching limits
 * @returns the forward function; it never throws
 * @throws {RangeError} when a limit is not a positive integer
 *
 * @example
 * ```ts
 * const forward = createBatchingForwarder({ url: "http://127.0.0.1:5174/api/v1/scim/events", secret, deadlineMs: 10_000 });
 * const app = createWebhookApp({ secrets, forward });
 * ```
 */
export function createBatchingForwarder(options: BatchingForwarderOptions): Forward {
  const { maxInFlight, maxBatch, maxBytes } = batchLimits(options);
  const deadlineMs = options.deadlineMs ?? 10_000;
  const clock = options.clock ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const single = createHttpForwarder(options);
  const hop: Hop = { url: options.url, secret: options.secret, fetch: doFetch, clock };
  const waiting: Waiting[] = [];
  let inFlight = 0;

  /** The single-event path for what is left of the event's deadline. */
  const alone = (w: Waiting): Promise<ForwardResult> => {
    const left = w.deadline - clock();
    if (left <= 0) return Promise.resolve({ ok: false, reason: "deadline passed in a batch" });
    return single(w.event, Math.min(left, deadlineMs));
  };

  function pump(): void {
    while (inFlight < maxInFlight && waiting.length > 0) {
      // Group commit: while one request is out, arrivals wait for it and leave together.
      // A further request opens only for a full batch (a burst one request cannot absorb):
      // each request costs the edge ~0.2 ms of CPU, whatever it carries.
      if (inFlight > 0 && waiting.length < maxBatch) return;
      const batch = takeBatch(waiting, maxBatch, maxBytes);
      inFlight++;
      // A request holds its slot for its one attempt; what it did not store is retried
      // outside it, so an event the runner keeps refusing does not hold up the others.
      const done = sendOnce(hop, batch).then((results) =>
        batch.forEach((w, i) => {
          const r = results[i];
          if (r) w.resolve(r);
          else void alone(w).then(w.resolve);
        })
      );
      void done.catch((e) => {
        for (const w of batch) {
          w.resolve({ ok: false, reason: e instanceof Error ? e.message : String(e) });
        }
      }).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return (event) =>
    new Promise<ForwardResult>((resolve) => {
      waiting.push({ event, json: JSON.stringify(event), deadline: clock() + deadlineMs, resolve });
      pump();
    });
}
