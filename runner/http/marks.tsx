/**
 * Status marks and button icons as inline SVG: they draw the same on every
 * machine, with or without an emoji font (emoji rendered as empty boxes on a
 * server without one). Each is decorative (`aria-hidden`): the text beside
 * it says the same in words, so a screen reader reads the words once.
 *
 * @module
 */
import type { Child } from "hono/jsx";

/** The marks the pages use. */
export type MarkName =
  | "ok"
  | "bad"
  | "warn"
  | "info"
  | "sync"
  | "preview"
  | "search"
  | "held"
  | "equal"
  | "differs";

const PATHS: Record<MarkName, { color: string; d: string; fill?: boolean }> = {
  ok: { color: "#15803d", d: "M4 8.5l2.5 2.5L12 5.5" },
  bad: { color: "#b91c1c", d: "M5 5l6 6M11 5l-6 6" },
  warn: { color: "#b45309", d: "M8 4v5M8 11.5v.5" },
  info: { color: "#1d4ed8", d: "M8 7v5M8 4.5v.5" },
  sync: {
    color: "currentColor",
    d: "M12.5 6.5A4.8 4.8 0 0 0 4 5.2M3.5 9.5A4.8 4.8 0 0 0 12 10.8M4 2.5v2.9h2.9M12 13.5v-2.9H9.1",
  },
  preview: {
    color: "currentColor",
    d: "M1.5 8s2.4-4.5 6.5-4.5S14.5 8 14.5 8 12.1 12.5 8 12.5 1.5 8 1.5 8zM8 6.2a1.8 1.8 0 1 0 0 3.6 1.8 1.8 0 0 0 0-3.6z",
  },
  search: {
    color: "currentColor",
    d: "M7 2.5a4.5 4.5 0 1 0 0 9 4.5 4.5 0 0 0 0-9zM10.3 10.3l3.2 3.2",
  },
  held: { color: "#b45309", d: "M6 4.5v7M10 4.5v7" },
  equal: { color: "#15803d", d: "M4 6.5h8M4 9.5h8" },
  differs: { color: "#b91c1c", d: "M4 6.5h8M4 9.5h8M10.5 3.5l-5 9" },
};

/** Marks drawn inside a ring (statuses); the rest (icons) are bare strokes. */
const RINGED = new Set<MarkName>(["ok", "bad", "warn", "info", "held"]);

/**
 * One mark, 1em square, in the text's line.
 *
 * @example
 * ```tsx
 * <button class="btn"><Mark name="sync" /> Sync All Data</button>
 * ```
 */
export function Mark({ name }: { name: MarkName }): Child {
  const p = PATHS[name];
  return (
    <svg
      class={`mark m-${name}`}
      viewBox="0 0 16 16"
      width="1em"
      height="1em"
      aria-hidden="true"
      focusable="false"
    >
      {RINGED.has(name) ? <circle cx="8" cy="8" r="7" fill="none" stroke={p.color} /> : null}
      <path
        d={p.d}
        fill="none"
        stroke={p.color}
        stroke-width="1.8"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}
