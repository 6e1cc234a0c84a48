/**
 * The store's boundary for failures: MongoDB driver errors become the
 * project's typed errors, so callers test `instanceof` or `code` instead of
 * guessing from a class name.
 *
 * - the server cannot be reached, selected or answered in time, the pool was
 *   cleared, the server is shutting down: {@linkcode StoreUnavailableError}
 *   (`STORE_UNAVAILABLE`);
 * - a unique index refused a write (E11000): {@linkcode DuplicateKeyError}
 *   (`STORE_DUPLICATE_KEY`), with the key when the server names it;
 * - any other driver error: {@linkcode StoreError} (`STORE_FAILED`) with the
 *   server's code.
 *
 * Each store applies {@linkcode translateDriverErrors} to the object it
 * returns; a write error it handles itself (a duplicate it turns into a retry
 * or an error entry) is handled before anything reaches the boundary.
 *
 * @module
 */
import {
  MongoBulkWriteError,
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from "mongodb";
import { ScimSyncError } from "../../shared/errors.ts";

/**
 * The store is unreachable or stopped answering. The message names the
 * server without credentials.
 *
 * @example
 * ```ts
 * throw new StoreUnavailableError("mongodb://127.0.0.1:27017", "connection refused");
 * ```
 */
export class StoreUnavailableError extends ScimSyncError {
  constructor(where: string, why: string, options?: { cause?: unknown }) {
    super("STORE_UNAVAILABLE", `MongoDB unavailable at ${where}: ${why}`, options);
  }
}

/**
 * A unique index refused a write. `key` is the duplicate key when the server
 * names it (MongoDB's `keyValue`, or the `dup key: { … }` of the message).
 *
 * @example
 * ```ts
 * throw new DuplicateKeyError('{ email: "a@ias.co.id" }');
 * ```
 */
export class DuplicateKeyError extends ScimSyncError {
  readonly key: string | null;
  constructor(key: string | null, options?: { cause?: unknown }) {
    super(
      "STORE_DUPLICATE_KEY",
      `MongoDB refused a duplicate key: ${key ?? "another document has the same unique value"}`,
      options,
    );
    this.key = key;
  }
}

/**
 * Any other failure the driver reported; `driverCode` is the server's error
 * code (or the driver's code name) when there is one.
 *
 * @example
 * ```ts
 * throw new StoreError("Invalid $set", 9);
 * ```
 */
export class StoreError extends ScimSyncError {
  readonly driverCode: number | string | null;
  constructor(message: string, driverCode: number | string | null, options?: { cause?: unknown }) {
    super(
      "STORE_FAILED",
      `MongoDB error${driverCode === null ? "" : ` ${driverCode}`}: ${message}`,
      options,
    );
    this.driverCode = driverCode;
  }
}

/** Where a failure at run time comes from; the URI (and its credentials) stays with the connection. */
const RUNTIME_WHERE = "MONGODB_URI";

/** Server codes of a server going away: shutting down, interrupted, stepped down, not primary. */
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);

const UNAVAILABLE_CLASSES = [
  MongoNetworkError, // includes timeouts and a cleared pool
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoClientClosedError,
  MongoServerClosedError,
];

/**
 * The key of an E11000 error: MongoDB's `keyValue`, else the `dup key: { … }` of
 * the message (FerretDB, older servers), else null.
 *
 * @example
 * ```ts
 * duplicateKeyOf('E11000 duplicate key error collection: ofm.users index: email_1 dup key: { email: "a@x" }');
 * // '{ email: "a@x" }'
 * ```
 */
export function duplicateKeyOf(
  e: { keyValue?: unknown; message?: string; errmsg?: string },
): string | null {
  if (e.keyValue && typeof e.keyValue === "object" && Object.keys(e.keyValue).length > 0) {
    return JSON.stringify(e.keyValue);
  }
  // FerretDB 1.24 names neither the key nor the index: null, and the message says so.
  return /dup key: (\{.*\})/.exec(e.errmsg ?? e.message ?? "")?.[1] ?? null;
}

/**
 * FerretDB 1.24 refuses an update that breaks a unique index not with E11000 but with an
 * InternalError (code 1) whose message carries SQLite's "UNIQUE constraint failed", for
 * the whole command.
 *
 * @example
 * ```ts
 * isFerretUniqueFailure(e); // true for "… constraint failed: UNIQUE constraint failed: index 'users_…' (2067)"
 * ```
 */
export function isFerretUniqueFailure(e: unknown): boolean {
  return e instanceof MongoServerError && e.code === 1 &&
    /UNIQUE constraint failed/.test(e.message);
}

/**
 * True for an E11000 error (a unique index refused a write), raw or translated.
 *
 * @example
 * ```ts
 * try { await col.insertOne(doc); } catch (e) { if (!isDuplicateKey(e)) throw e; }
 * ```
 */
export function isDuplicateKey(e: unknown): boolean {
  return e instanceof DuplicateKeyError || (e instanceof MongoServerError && e.code === 11000) ||
    isFerretUniqueFailure(e);
}

/**
 * The project's typed error for a driver error; anything else is returned as it is.
 *
 * @param e what was thrown
 * @returns a {@linkcode StoreUnavailableError}, {@linkcode DuplicateKeyError} or
 *   {@linkcode StoreError} for a MongoDB error; `e` otherwise
 *
 * @example
 * ```ts
 * try { await col.insertOne(doc); } catch (e) { throw translateDriverError(e); }
 * ```
 */
export function translateDriverError(e: unknown): unknown {
  if (!(e instanceof MongoError)) return e;
  const options = { cause: e };
  if (UNAVAILABLE_CLASSES.some((c) => e instanceof c)) {
    return new StoreUnavailableError(RUNTIME_WHERE, e.message, options);
  }
  // A bulk write cut off by a lost connection carries no write error and no server code:
  // the batch as a whole never reached the server, so the database was unavailable.
  const writeErrors = e instanceof MongoBulkWriteError ? [e.writeErrors].flat() : [];
  if (e instanceof MongoBulkWriteError && writeErrors.length === 0 && e.code === undefined) {
    return new StoreUnavailableError(RUNTIME_WHERE, e.message, options);
  }
  if (e instanceof MongoServerError) {
    if (e.code === 11000) return new DuplicateKeyError(duplicateKeyOf(e), options);
    if (isFerretUniqueFailure(e)) return new DuplicateKeyError(null, options);
    if (typeof e.code === "number" && UNAVAILABLE_CODES.has(e.code)) {
      return new StoreUnavailableError(RUNTIME_WHERE, e.message, options);
    }
  }
  return new StoreError(e.message, e.code ?? null, options);
}

/**
 * Wraps every function of a store object so that what it throws (or rejects
 * with) passes through {@linkcode translateDriverError}. Other properties are
 * copied as they are.
 *
 * @param api the object a store factory returns
 * @returns the same shape, failing with typed errors only
 *
 * @example
 * ```ts
 * return translateDriverErrors({ recent: (n: number) => col.find({}).limit(n).toArray() });
 * ```
 */
export function translateDriverErrors<T extends object>(api: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(api)) {
    out[name] = typeof value === "function"
      ? translating(value as (...a: unknown[]) => unknown)
      : value;
  }
  return out as T;
}

function translating(fn: (...args: unknown[]) => unknown) {
  return (...args: unknown[]): unknown => {
    let result: unknown;
    try {
      result = fn(...args);
    } catch (e) {
      throw translateDriverError(e);
    }
    return result instanceof Promise
      ? result.catch((e: unknown) => {
        throw translateDriverError(e);
      })
      : result;
  };
}
