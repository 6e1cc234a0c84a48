/**
 * The runner's OpenAPI 3.1 document, generated from the zod schemas its routes
 * validate with (query strings, form and signed bodies) and answer in
 * (sync-answers.ts, health.ts, person-answers.ts, shared/webhook/answers.ts);
 * the person routes are in openapi-people.ts. Served at
 * `/openapi.json` behind the admin rule; `bun scripts/openapi.ts` writes it to
 * docs/openapi.json. A test holds it equal to the routes the app registers.
 *
 * @module
 */
import { z } from "zod";
import { API_VERSION, type ApiOperation, openApiDocument } from "../../shared/openapi.ts";
import { IngestFailed, WebhookStored } from "../../shared/webhook/answers.ts";
import { SIGNATURE_SCHEMES, webhookOperation } from "../../shared/webhook/openapi.ts";
import { BatchAnswer, ForwardedBatch, ForwardedEvent } from "../../shared/webhook-event.ts";
import { HealthReport } from "../health.ts";
import { SyncPreview } from "../preview/sync-preview.ts";
import {
  ADMIN,
  BUSY,
  HOST_REFUSED,
  json,
  location,
  refused,
  STORE_DOWN,
  UNAUTHORIZED,
} from "./openapi-parts.ts";
import { peopleOperations } from "./openapi-people.ts";
import { heldOperations } from "./openapi-held.ts";
import { PreviewApiQuery, PreviewId, PreviewListQuery } from "./preview-routes.tsx";
import { HeldApplied, SyncStatusAnswer, TriggerAccepted, TriggerRefused } from "./sync-answers.ts";
import { PageQuery, StatusQuery, TriggerForm, TriggerQuery } from "./sync-routes.tsx";

/** The routes anyone on the network may call (they disclose nothing secret). */
function openOperations(): ApiOperation[] {
  return [
    {
      method: "get",
      path: "/health",
      operationId: "health",
      summary: "What is wrong: MongoDB, the SSO, the last full sync, held deletions, quarantine",
      tags: ["operations"],
      security: [],
      responses: {
        "200": {
          description: "ok, or degraded (problems lists what an operator should look at)",
          content: json(HealthReport),
        },
        "403": HOST_REFUSED,
        "503": {
          description: "unhealthy: MongoDB down, or no successful sync within two intervals",
          content: json(HealthReport),
        },
      },
    },
    {
      method: "get",
      path: "/metrics",
      operationId: "metrics",
      summary: "Prometheus metrics (text exposition format)",
      tags: ["operations"],
      security: [],
      responses: {
        "200": { description: "The metrics", content: { "text/plain": z.string() } },
        "403": HOST_REFUSED,
      },
    },
    {
      method: "get",
      path: "/",
      operationId: "root",
      summary: "Redirects to the sync page",
      tags: ["operations"],
      security: [],
      responses: {
        "302": { description: "To /modules/sync", headers: location },
        "403": HOST_REFUSED,
      },
    },
  ];
}

const admin = { tags: ["sync"], security: ADMIN };

/** "Show all" and the downloads of the last preview (ADMIN_TOKEN). */
function previewPageOperations(): ApiOperation[] {
  return [
    {
      ...admin,
      method: "get",
      path: "/modules/sync/preview/:id",
      operationId: "previewList",
      summary: 'One whole list of the last preview (its "show all")',
      params: PreviewId,
      query: PreviewListQuery,
      responses: {
        "200": { description: "The list", content: { "text/html": z.string() } },
        "400": refused("list does not name a list of the plan"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "404": { description: "No longer kept", content: { "text/html": z.string() } },
      },
    },
    {
      ...admin,
      method: "get",
      path: "/modules/sync/preview/:id/plan.json",
      operationId: "previewPlanJson",
      summary: "The whole plan of the last preview, as a JSON download",
      params: PreviewId,
      responses: {
        "200": { description: "The plan, every entry", content: json(SyncPreview) },
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "404": refused("No longer kept: run Preview again"),
      },
    },
    {
      ...admin,
      method: "get",
      path: "/modules/sync/preview/:id/plan.csv",
      operationId: "previewPlanCsv",
      summary: "The whole plan of the last preview, a row per changed field, as a CSV download",
      params: PreviewId,
      responses: {
        "200": { description: "The plan as CSV", content: { "text/csv": z.string() } },
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "404": refused("No longer kept: run Preview again"),
      },
    },
  ];
}

/** The sync page and its forms, and this document (ADMIN_TOKEN). */
function pageOperations(): ApiOperation[] {
  return [
    {
      ...admin,
      method: "get",
      path: "/modules/sync",
      operationId: "syncPage",
      summary: "The sync status page (HTML)",
      query: PageQuery,
      responses: {
        "200": { description: "The page", content: { "text/html": z.string() } },
        "400": refused("A query parameter that is not one the page sets"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "503": STORE_DOWN,
      },
    },
    {
      ...admin,
      method: "post",
      path: "/modules/sync",
      operationId: "syncPageTrigger",
      summary: "The page's form: starts a sync and redirects back to the page",
      body: {
        contentType: "application/x-www-form-urlencoded",
        schema: TriggerForm,
        required: false,
        description: "Without a body (or a type) the sync is a full one",
      },
      responses: {
        "303": { description: "Back to the page, with the run or the refusal", headers: location },
        "400": refused("type is not full or delta"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
      },
    },
    {
      ...admin,
      method: "post",
      path: "/modules/sync/retry",
      operationId: "retryNowPage",
      summary: "The quarantine notice's form: Retry now, then back to the page",
      responses: {
        "303": { description: "Back to the page, with the run or the refusal", headers: location },
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
      },
    },
    {
      ...admin,
      method: "post",
      path: "/modules/sync/preview",
      operationId: "previewSyncPage",
      summary: "The page's preview form: the sync page with the plan shown (50 per list)",
      responses: {
        "200": { description: "The page with the plan", content: { "text/html": z.string() } },
        "303": { description: "No preview on this runner: back to the page", headers: location },
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
      },
    },
    {
      ...admin,
      method: "get",
      path: "/openapi.json",
      operationId: "openapi",
      summary: "This document",
      tags: ["operations"],
      responses: {
        "200": {
          description: "OpenAPI 3.1",
          content: json(z.looseObject({ openapi: z.string() })),
        },
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
      },
    },
  ];
}

/** "Retry now" out of quarantine (ADMIN_TOKEN). */
function retryOperation(): ApiOperation {
  return {
    ...admin,
    method: "post",
    path: "/api/v1/scim/sync/retry",
    operationId: "retryNow",
    summary: "Retry now: ends the quarantine (SYNC_QUARANTINE_AFTER) and starts a full sync",
    responses: {
      "202": {
        description: "Quarantine ended; the full sync started",
        content: json(TriggerAccepted),
        headers: { Location: { description: "The run's status route", schema: z.string() } },
      },
      "401": UNAUTHORIZED,
      "403": HOST_REFUSED,
      "409": {
        description: "Quarantine ended, but a sync is running here or elsewhere",
        content: json(TriggerRefused),
      },
      "503": { description: "The runner is shutting down", content: json(TriggerRefused) },
    },
  };
}

/** The JSON trigger, preview, held approval and status (ADMIN_TOKEN). */
function syncApiOperations(): ApiOperation[] {
  return [
    retryOperation(),
    {
      ...admin,
      method: "post",
      path: "/api/v1/scim/sync",
      operationId: "triggerSync",
      summary: "Starts a full or delta sync",
      query: TriggerQuery,
      responses: {
        "202": {
          description: "Started",
          content: json(TriggerAccepted),
          headers: { Location: { description: "The run's status route", schema: z.string() } },
        },
        "400": refused("type is not full or delta"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "409": {
          description: "A sync is running here or elsewhere",
          content: json(TriggerRefused),
        },
        "503": { description: "The runner is shutting down", content: json(TriggerRefused) },
      },
    },
    {
      ...admin,
      method: "post",
      path: "/api/v1/scim/sync/preview",
      operationId: "previewSync",
      summary: "What a full sync would do now, written nowhere",
      description: "The first 50 entries of each list, with the field changes of each update; " +
        "all=true: every entry.",
      query: PreviewApiQuery,
      responses: {
        "200": { description: "The plan", content: json(SyncPreview) },
        "400": refused("all is not true or false"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "404": refused("Preview is not available on this runner"),
      },
    },
    {
      ...admin,
      method: "post",
      path: "/api/v1/scim/sync/held",
      operationId: "applyHeld",
      summary: "Approves every held deactivation (as POST /api/v1/scim/held/apply with all)",
      responses: {
        "200": { description: "What was applied", content: json(HeldApplied) },
        "303": { description: "Form callers: back to the page", headers: location },
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "404": refused("Held deactivations are not kept on this runner"),
        "503": STORE_DOWN,
      },
    },
    {
      ...admin,
      method: "get",
      path: "/api/v1/scim/sync/status",
      operationId: "syncStatus",
      summary: "The current or last run (or one by runId), the lease and the next run",
      query: StatusQuery,
      responses: {
        "200": { description: "Status", content: json(SyncStatusAnswer) },
        "400": refused("runId is not a run id"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
      },
    },
  ];
}

/** `POST /api/v1/scim/events`, the ingestion API the edge forwards to (INGEST_SECRET). */
function ingestOperation(): ApiOperation {
  return {
    method: "post",
    path: "/api/v1/scim/events",
    operationId: "ingestEvents",
    summary: "Applies one mapped event, or a batch, exactly once",
    description: "Signed with INGEST_SECRET over the exact bytes, verified before parsing. " +
      "200 means stored; a 5xx means deliver again.",
    tags: ["webhook"],
    security: [{ scimSignature: [] }],
    body: { contentType: "application/json", schema: z.union([ForwardedEvent, ForwardedBatch]) },
    responses: {
      "200": {
        description: "Stored: one event's outcome, or a batch's in its order",
        content: json(z.union([WebhookStored, BatchAnswer])),
      },
      "400": refused("Not UTF-8, not a JSON object, or not a ForwardedEvent / batch (field path)"),
      "401": refused("Invalid webhook signature"),
      "413": refused("Body over 1 MiB"),
      "500": {
        description: "MongoDB could not apply it; deliver again",
        content: json(IngestFailed),
      },
      "503": BUSY,
    },
  };
}

/**
 * The runner's OpenAPI 3.1 document: every route the daemon serves, with the
 * ingestion API and the direct webhook route (each served only when its secret is set).
 *
 * @returns the document
 *
 * @example
 * ```ts
 * app.get("/openapi.json", (c) => c.json(runnerOpenApiDocument()));
 * ```
 */
export function runnerOpenApiDocument(): ReturnType<typeof openApiDocument> {
  const webhook = webhookOperation();
  return openApiDocument({
    title: "scim-sync runner",
    version: API_VERSION,
    description: "The runner's HTTP API: ingestion from the edge, the direct webhook route, " +
      "the sync trigger and status, the sync page, health and metrics.",
    servers: [{ url: "http://127.0.0.1:5174", description: "runner (npm start)" }],
    securitySchemes: {
      ...SIGNATURE_SCHEMES,
      adminBearer: {
        type: "http",
        scheme: "bearer",
        description: "ADMIN_TOKEN. Without one, on loopback, these routes are open.",
      },
      adminBasic: { type: "http", scheme: "basic", description: "ADMIN_TOKEN as the password" },
    },
  }, [
    ...openOperations(),
    ...pageOperations(),
    ...previewPageOperations(),
    ...syncApiOperations(),
    ...peopleOperations(),
    ...heldOperations(),
    ingestOperation(),
    { ...webhook, responses: { ...webhook.responses, "503": BUSY } },
  ]);
}
