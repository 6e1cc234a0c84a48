/**
 * SCIM PATCH (RFC 7644 §3.5.2), the common subset: `add`, `replace` and
 * `remove` (op names case-insensitive, as some clients capitalise them), with
 * a path (`active`, `name.familyName`, a URN-qualified attribute, or a value
 * filter such as `members[value eq "…"]` / `emails[type eq "work"].value`) or
 * without one (the value's keys, themselves paths, are applied in turn).
 *
 * @module
 */
import { z } from "zod";
import type { Json } from "./directory.ts";
import { InvalidFilterError, keyOf, parseFilter, parsePath, type Predicate } from "./filter.ts";
import { PATCH_URN } from "./scim-http.ts";

/** A PATCH the server refuses, with its SCIM `scimType`. */
export class PatchError extends Error {
  constructor(
    message: string,
    readonly scimType: "invalidSyntax" | "invalidPath" | "noTarget" | "mutability" | "invalidValue",
  ) {
    super(message);
  }
}

/** The PatchOp message. */
export const PatchBody = z.looseObject({
  schemas: z.array(z.string()).refine(
    (s) => s.includes(PATCH_URN),
    `schemas must contain ${PATCH_URN}`,
  ),
  Operations: z.array(
    z.looseObject({ op: z.string(), path: z.string().optional(), value: z.unknown().optional() }),
  ).min(1),
});

const READ_ONLY = new Set(["id", "meta", "schemas"]);

/** Splits `emails[type eq "work"].value` into attribute path, filter and sub-attribute. */
function splitPath(
  path: string,
): { keys: string[]; schema: string | null; where: Predicate | null; sub: string | null } {
  const m = /^([^[]+)\[(.+)\](?:\.([A-Za-z$][\w$-]*))?$/.exec(path.trim());
  try {
    const parsed = parsePath(m ? m[1]!.trim() : path.trim());
    return {
      keys: parsed.attrs,
      schema: parsed.schema,
      where: m ? parseFilter(m[2]!) : null,
      sub: m?.[3] ?? null,
    };
  } catch (e) {
    throw new PatchError(
      e instanceof InvalidFilterError ? e.message : `invalid path ${path}`,
      "invalidPath",
    );
  }
}

/** A schema URN itself (`…:2.0:User`), as opposed to an attribute under one. */
const isSchemaUrn = (text: string) => /^urn:.*:\d+\.\d+:[A-Za-z]+$/i.test(text);

function extension(doc: Json, urn: string, op: "add" | "replace" | "remove", value: unknown): void {
  const k = keyOf(doc, urn) ?? urn;
  if (op === "remove") {
    delete doc[k];
    if (Array.isArray(doc.schemas)) doc.schemas = doc.schemas.filter((s) => s !== k);
    return;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new PatchError(`${urn} takes an object`, "invalidValue");
  }
  doc[k] = op === "add" ? { ...((doc[k] as Json) ?? {}), ...(value as Json) } : value;
  if (Array.isArray(doc.schemas) && !doc.schemas.includes(k)) doc.schemas = [...doc.schemas, k];
}

function apply(doc: Json, op: "add" | "replace" | "remove", path: string, value: unknown) {
  if (isSchemaUrn(path.trim())) return extension(doc, path.trim(), op, value);
  const { keys, schema, where, sub } = splitPath(path);
  let holder: Json = doc;
  if (schema && !schema.toLowerCase().startsWith("urn:ietf:params:scim:schemas:core:")) {
    const k = keyOf(doc, schema) ?? schema;
    holder = doc[k] = { ...((doc[k] as Json) ?? {}) };
    if (Array.isArray(doc.schemas) && !doc.schemas.includes(k)) doc.schemas = [...doc.schemas, k];
  }
  if (READ_ONLY.has(keys[0]!.toLowerCase()) && holder === doc) {
    throw new PatchError(`${keys[0]} is read-only`, "mutability");
  }
  for (const name of keys.slice(0, -1)) {
    const k = keyOf(holder, name) ?? name;
    holder = holder[k] = { ...((holder[k] as Json) ?? {}) };
  }
  const last = keyOf(holder, keys.at(-1)!) ?? keys.at(-1)!;
  if (where) {
    const items = Array.isArray(holder[last]) ? (holder[last] as Json[]) : [];
    if (!items.some(where) && op !== "remove") {
      throw new PatchError(`no value matches ${path}`, "noTarget");
    }
    holder[last] = op === "remove" && !sub ? items.filter((it) => !where(it)) : items.map((it) => {
      if (!where(it)) return it;
      if (!sub) return { ...it, ...(value as Json) };
      const copy = { ...it };
      if (op === "remove") delete copy[keyOf(copy, sub) ?? sub];
      else copy[keyOf(copy, sub) ?? sub] = value;
      return copy;
    });
    return;
  }
  if (op === "remove") delete holder[last];
  else if (op === "add" && Array.isArray(holder[last])) {
    holder[last] = [...(holder[last] as unknown[]), ...(Array.isArray(value) ? value : [value])];
  } else holder[last] = value;
}

/**
 * Applies a PatchOp body to a copy of `resource`.
 *
 * @throws {PatchError} on a bad body, path or target
 * @example
 * ```ts
 * applyPatch(user, { schemas: [PATCH_URN], Operations: [{ op: "replace", path: "active", value: false }] });
 * ```
 */
export function applyPatch(resource: Json, body: unknown): Json {
  const parsed = PatchBody.safeParse(body);
  if (!parsed.success) throw new PatchError(z.prettifyError(parsed.error), "invalidSyntax");
  const doc = structuredClone(resource);
  for (const operation of parsed.data.Operations) {
    const op = operation.op.toLowerCase();
    if (op !== "add" && op !== "replace" && op !== "remove") {
      throw new PatchError(`unknown op ${operation.op}`, "invalidSyntax");
    }
    if (operation.path) apply(doc, op, operation.path, operation.value);
    else if (op === "remove") throw new PatchError("remove needs a path", "noTarget");
    else if (
      operation.value && typeof operation.value === "object" && !Array.isArray(operation.value)
    ) {
      // Each key is a path; an extension object merges attribute by attribute (RFC 7644 §3.5.2.3).
      for (const [k, v] of Object.entries(operation.value as Json)) {
        apply(doc, isSchemaUrn(k) ? "add" : op, k, v);
      }
    } else throw new PatchError("an operation without path needs an object value", "invalidValue");
  }
  return doc;
}
