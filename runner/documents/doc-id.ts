/**
 * The `_id` of a stored document as the rest of the runner carries it:
 * opaque, made and read back only by the store (store/doc-id-codec.ts). OFM's
 * own accounts may have ObjectIds or ids of any other type; the store encodes
 * each losslessly, so an update by `_id` hits exactly the document it read.
 * Branded, so it is never confused with an SSO id or an email.
 *
 * @module
 */
declare const brand: unique symbol;

/**
 * A stored document's `_id`, encoded by the store.
 *
 * @example
 * ```ts
 * const id: DocId = encodeDocId(doc._id); // only the store makes one
 * ```
 */
export type DocId = string & { readonly [brand]: "DocId" };
