/**
 * The person and org-unit routes of the runner's OpenAPI document
 * (person-routes.tsx): the inspector and on-demand syncs as JSON, and the
 * person pages. Their answers' schemas are in person-answers.ts.
 *
 * @module
 */
import { z } from "zod";
import type { ApiOperation } from "../../shared/openapi.ts";
import {
  ADMIN,
  HOST_REFUSED,
  json,
  location,
  refused,
  STORE_DOWN,
  STORE_DOWN_PAGE,
  UNAUTHORIZED,
} from "./openapi-parts.ts";
import {
  OrgUnitSyncAnswer,
  PeopleFoundAnswer,
  PersonReportAnswer,
  PersonSyncAnswer,
} from "./person-answers.ts";
import { OrgUnitParams, PersonParams, SyncQuery, ViewQuery } from "./person-routes.tsx";

const person = { tags: ["people"], security: ADMIN, params: PersonParams };
const BAD_KEY = refused("key is not an email, an SSO id or an employee number (1–320 printable)");

const outcome = (description: string) => ({ description, content: json(PersonSyncAnswer) });
const unitOutcome = (description: string) => ({ description, content: json(OrgUnitSyncAnswer) });

/** The search by name as JSON (ADMIN_TOKEN). */
function searchApiOperation(): ApiOperation {
  return {
    ...person,
    params: undefined,
    method: "get",
    path: "/api/v1/scim/people",
    operationId: "findPeople",
    summary: "People whose first name, last name, full name or email starts with q (any case)",
    description: "Up to 50, sorted by name; `more` when more match. Whether each is active " +
      "in the SSO is asked in one filtered SCIM request.",
    query: z.object({ q: z.string() }),
    responses: {
      "200": { description: "The result list", content: json(PeopleFoundAnswer) },
      "400": refused("q is missing, empty, longer than 320 or not printable"),
      "401": UNAUTHORIZED,
      "403": HOST_REFUSED,
      "404": refused("Search is not available on this runner"),
      "503": STORE_DOWN,
    },
  };
}

/** The person inspector and provision on demand as JSON, and the org unit's (ADMIN_TOKEN). */
function personApiOperations(): ApiOperation[] {
  return [
    {
      ...person,
      method: "get",
      path: "/api/v1/scim/people/:key",
      operationId: "inspectPerson",
      summary: "One person in OFM and in the SSO (fetched live), compared, with a verdict",
      description: "key: an email, an ssoUserId or an employee number (userId).",
      responses: {
        "200": { description: "The report", content: json(PersonReportAnswer) },
        "400": BAD_KEY,
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "404": {
          description: "Neither OFM nor the SSO knows the key",
          content: json(PersonReportAnswer),
        },
        "503": STORE_DOWN,
      },
    },
    {
      ...person,
      method: "post",
      path: "/api/v1/scim/people/:key/sync",
      operationId: "syncPerson",
      summary: "Syncs one person now, through the accidental-deletion guard",
      query: SyncQuery,
      responses: {
        "200": outcome("Created, updated, unchanged or deactivated"),
        "400": refused("key is not an email, an id or a number, or force is not true/false"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "404": outcome("Neither OFM nor the SSO knows the key"),
        "409": outcome("The deactivation is held by the guard (force=true applies it)"),
        "502": outcome("The SSO could not be asked, or the write failed"),
        "503": STORE_DOWN,
      },
    },
    {
      ...person,
      params: OrgUnitParams,
      tags: ["org-units"],
      method: "post",
      path: "/api/v1/scim/org-units/:key/sync",
      operationId: "syncOrgUnit",
      summary: "Syncs one org unit now, through the accidental-deletion guard",
      description: "key: the SCIM Group id or the unit's name.",
      query: SyncQuery,
      responses: {
        "200": unitOutcome("Created, updated, unchanged or deactivated"),
        "400": refused("key is not an id or a name, or force is not true/false"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "404": unitOutcome("Neither OFM nor the SSO knows the key"),
        "409": unitOutcome("The deactivation is held by the guard (force=true applies it)"),
        "502": unitOutcome("The SSO could not be asked, or the write failed"),
        "503": STORE_DOWN,
      },
    },
  ];
}

/** The person pages: the search, the view and its Sync now form (ADMIN_TOKEN). */
function personPageOperations(): ApiOperation[] {
  return [
    {
      ...person,
      params: undefined,
      method: "get",
      path: "/modules/sync/people",
      operationId: "personSearch",
      summary: "The page's search: the result list, or the person's page for an exact email or id",
      query: z.object({ q: z.string().optional() }),
      responses: {
        "200": { description: "The result list (HTML)", content: { "text/html": z.string() } },
        "303": {
          description:
            "To /modules/sync/people/{id} for an exact email or id, or /modules/sync without q",
          headers: location,
        },
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "503": STORE_DOWN_PAGE,
      },
    },
    {
      ...person,
      method: "get",
      path: "/modules/sync/people/:key",
      operationId: "personPage",
      summary: "The person's page (HTML): the inspector's report and a Sync now button",
      query: ViewQuery,
      responses: {
        "200": { description: "The page", content: { "text/html": z.string() } },
        "400": refused("A bad key, or synced is not an outcome"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "503": STORE_DOWN_PAGE,
      },
    },
    {
      ...person,
      method: "post",
      path: "/modules/sync/people/:key/sync",
      operationId: "personPageSync",
      summary: "The person page's Sync now form: syncs, then redirects back with the outcome",
      responses: {
        "303": { description: "Back to the person's page with ?synced=", headers: location },
        "400": BAD_KEY,
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "503": STORE_DOWN,
      },
    },
  ];
}

/**
 * Every person and org-unit operation.
 *
 * @example
 * ```ts
 * openApiDocument(info, [...peopleOperations()]);
 * ```
 */
export function peopleOperations(): ApiOperation[] {
  return [searchApiOperation(), ...personApiOperations(), ...personPageOperations()];
}
