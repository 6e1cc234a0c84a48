/**
 * Text from outside (a userName, a displayName, an SSO's error detail) made
 * safe to print on a terminal or into a line-based log: every character that
 * could move the cursor, end the line, recolour or reorder what follows is
 * shown as an escape instead of acting. The command line, the terminal logger,
 * the purge list and the inspector all print through {@linkcode printable}, so
 * an SSO value can never forge a line ("✅ Synchronization Completed
 * Successfully") or hide one.
 *
 * Escaped: C0 controls (U+0000–U+001F, CR and LF and ESC among them) and DEL,
 * C1 controls (U+0080–U+009F, where U+009B is a one-byte CSI), the line and
 * paragraph separators U+2028/U+2029, and the bidirectional controls: the
 * embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069 and the
 * marks U+200E, U+200F and U+061C. Everything else, emoji and accents
 * included, is left alone. Backslashes are not doubled: the output is for
 * people to read; `--json` carries the exact values.
 *
 * @module
 */

const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * One line of text with its control characters shown as escapes (pure).
 *
 * @param text any string, typically one that came from the SSO or OFM's database
 * @returns the same text on one line, with `\n`, `\r`, `\t`, `\xNN` or `\uNNNN` in place of
 *   each control, separator and bidirectional control character
 *
 * @example Printing a hostile userName
 * ```ts
 * printable("eve\x1b[2K\r\n✅ Synchronization Completed Successfully");
 * // "eve\\x1b[2K\\r\\n✅ Synchronization Completed Successfully"
 * printable("Zoë \u202egnp.exe"); // "Zoë \\u202egnp.exe"
 * ```
 */
export function printable(text: string): string {
  // The common case has nothing to escape: no copy.
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeOne) : text;
}

/** What JSON.stringify leaves raw but a terminal or a log viewer may act on. */
const JSON_UNSAFE = /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `JSON.stringify(value)` with the characters it leaves raw (DEL, C1, the
 * separators and the bidirectional controls) written as `\uNNNN` too: one line
 * that parses back to the same value (pure).
 *
 * @param value anything JSON.stringify accepts
 * @returns one line of JSON with no control character in it
 *
 * @example
 * ```ts
 * printableJson({ user: "a\u202eb" }); // '{"user":"a\\u202eb"}'
 * JSON.parse(printableJson({ user: "a\u202eb" })).user === "a\u202eb"; // true
 * ```
 */
export function printableJson(value: unknown): string {
  return JSON.stringify(value).replace(
    JSON_UNSAFE,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
