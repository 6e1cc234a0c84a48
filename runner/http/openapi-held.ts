/**
 * The held deactivations' routes in the runner's OpenAPI document
 * (held-routes.tsx): the list and the decisions as JSON, the page and its
 * two forms. Schemas in held-answers.ts.
 *
 * @module
 */
import { z } from "zod";
import type { ApiOperation } from "../../shared/openapi.ts";
import {
  HeldCountChanged,
  HeldDecisionAnswer,
  HeldDecisionBody,
  HeldForm,
  HeldListAnswer,
  HeldListQuery,
} from "./held-answers.ts";
import {
  ADMIN,
  HOST_REFUSED,
  json,
  refused,
  STORE_DOWN,
  STORE_DOWN_PAGE,
  UNAUTHORIZED,
} from "./openapi-parts.ts";

const held = { tags: ["held"], security: ADMIN };
const html = (description: string) => ({ description, content: { "text/html": z.string() } });

/** One decision as JSON: apply or reject. */
function decisionOperation(action: "apply" | "reject"): ApiOperation {
  return {
    ...held,
    method: "post",
    path: `/api/v1/scim/held/${action}`,
    operationId: action === "apply" ? "approveHeld" : "rejectHeld",
    summary: action === "apply"
      ? "Approves held deactivations: each asked of the SSO, then deactivated past the gate"
      : "Rejects held deactivations: kept active, the decision recorded",
    description: action === "apply"
      ? "Gone from the SSO (a SCIM 404) or inactive there: deactivated now, through the gate " +
        "as an operator's approval (recorded, not counted). Active in the SSO: not applied, " +
        "cleared. No answer: not applied, still held. Webhook-held items apply their stored events."
      : "Nothing is written to the people; their held webhook events become `rejected`. A later " +
        "sync or webhook that would deactivate them holds them again for a new decision.",
    body: {
      contentType: "application/json",
      schema: HeldDecisionBody,
      description: '`{ "ids": [...] }` (item ids `User:<id>`, SSO ids or emails), or ' +
        '`{ "all": true, "count": N }` with N the total the list showed; `by` names who decides',
    },
    responses: {
      "200": { description: "What the decision did to each", content: json(HeldDecisionAnswer) },
      "400": refused("Neither ids nor all with a count"),
      "401": UNAUTHORIZED,
      "403": HOST_REFUSED,
      "409": {
        description: "all: the number held is not the count confirmed (nothing decided)",
        content: json(HeldCountChanged),
      },
      "503": STORE_DOWN,
    },
  };
}

/**
 * The held deactivations' operations (ADMIN_TOKEN).
 *
 * @example
 * ```ts
 * openApiDocument(info, [...heldOperations()]);
 * ```
 */
export function heldOperations(): ApiOperation[] {
  const form = {
    contentType: "application/x-www-form-urlencoded",
    schema: HeldForm,
    required: false,
    description: "The panel's buttons: one (a row's), action with ids (the selection), " +
      "or all with count",
  };
  return [
    {
      ...held,
      method: "get",
      path: "/api/v1/scim/held",
      operationId: "listHeld",
      summary: "Held deactivations of a status (held by default), oldest first, 50 a page",
      query: HeldListQuery,
      responses: {
        "200": { description: "One page and the total", content: json(HeldListAnswer) },
        "400": refused("page is not a number ≥ 1, or status is not one of the four"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "503": STORE_DOWN,
      },
    },
    decisionOperation("apply"),
    decisionOperation("reject"),
    {
      ...held,
      method: "get",
      path: "/modules/sync/held",
      operationId: "heldPage",
      summary: "The held deactivations page (HTML), 50 a page",
      query: HeldListQuery,
      responses: {
        "200": html("The page"),
        "400": refused("page is not a number ≥ 1"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "503": STORE_DOWN_PAGE,
      },
    },
    {
      ...held,
      method: "post",
      path: "/modules/sync/held/confirm",
      operationId: "heldConfirmPage",
      summary: "The confirmation a decision asks for: the number and the people (HTML)",
      body: form,
      responses: {
        "200": html("The page with the confirmation, or with why there is nothing to confirm"),
        "400": refused("Not a form the page sends"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "503": STORE_DOWN_PAGE,
      },
    },
    {
      ...held,
      method: "post",
      path: "/modules/sync/held/decide",
      operationId: "heldDecidePage",
      summary: "The confirmed decision: what it did to each (HTML)",
      body: form,
      responses: {
        "200": html("The page with the outcome (or the confirmation again when all changed)"),
        "400": refused("Not a form the page sends"),
        "401": UNAUTHORIZED,
        "403": HOST_REFUSED,
        "503": STORE_DOWN_PAGE,
      },
    },
  ];
}
