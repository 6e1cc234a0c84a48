/**
 * The machine's tools some tests need (Chromium, promtool, Java/Maven, Go), looked up
 * once when a test file loads, so a test whose tool is missing is *skipped with its
 * reason in its name* (`test.skipIf(tool.missing)(tool.named("…"), …)`), never passed by
 * returning early. The reason reads `[skipped: needs <tool>: <why>]`: scripts/test.ts
 * lists every skip with it, and under `CI` fails a skip of a tool `.ci/run` installs.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { launcherUnavailable } from "../../../dev/mongo-launchers.ts";
import { chooseLocalKind } from "../../../dev/mongo-server.ts";

/** The names scripts/test.ts knows (its CI_TOOLS). */
export type ToolName = "chromium" | "promtool" | "schemathesis" | "java" | "maven" | "go";

/** A tool some tests need, found or missing. */
export interface Tool {
  /** Whether tests needing it must skip. */
  missing: boolean;
  /** Why, when missing: `needs <tool>: <why>`. */
  reason: string | null;
  /** Where it is, when it is a file. */
  path: string | null;
  /** The test's name, with `[skipped: <reason>]` appended when the tool is missing. */
  named(name: string): string;
}

function tool(name: ToolName, why: string | null, path: string | null = null): Tool {
  const reason = why === null ? null : `needs ${name}: ${why}`;
  return {
    missing: why !== null,
    reason,
    path,
    named: (test) => (reason === null ? test : `${test} [skipped: ${reason}]`),
  };
}

/** The Chromium the page tests drive (Debian's package, which .ci/run installs). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Chromium at {@link CHROMIUM_PATH}.
 *
 * @example
 * ```ts
 * const chromium = chromiumTool();
 * test.skipIf(chromium.missing)(chromium.named("the page renders"), async () => {});
 * ```
 */
export function chromiumTool(): Tool {
  return existsSync(CHROMIUM_PATH)
    ? tool("chromium", null, CHROMIUM_PATH)
    : tool("chromium", `${CHROMIUM_PATH} not found`);
}

/** `PROMTOOL` if set, else the promtool on PATH (Debian's `prometheus`, which .ci/run installs). */
export const PROMTOOL_PATH: string | null = process.env.PROMTOOL ?? Bun.which("promtool");

/**
 * promtool at {@link PROMTOOL_PATH}.
 *
 * @example
 * ```ts
 * const promtool = promtoolTool();
 * test.skipIf(promtool.missing)(promtool.named("promtool test rules passes"), async () => {});
 * ```
 */
export function promtoolTool(): Tool {
  if (PROMTOOL_PATH !== null && existsSync(PROMTOOL_PATH)) {
    return tool("promtool", null, PROMTOOL_PATH);
  }
  return tool(
    "promtool",
    `${PROMTOOL_PATH ?? "no promtool on PATH"}${
      PROMTOOL_PATH ? " not found" : ""
    } (apt-get install prometheus, or set PROMTOOL)`,
  );
}

/**
 * What starting a local server of `kind` needs: Java (and Maven to build it) for
 * mongo-java-server, Go to build FerretDB's launcher.
 *
 * @example
 * ```ts
 * const java = launcherTool("java");
 * describe.skipIf(java.missing)(java.named("startMongoServer() with kind java"), () => {});
 * ```
 */
export function launcherTool(kind: "java" | "ferretdb"): Tool {
  const why = launcherUnavailable(kind);
  if (why === null) return tool(kind === "java" ? "java" : "go", null);
  return tool(kind === "ferretdb" ? "go" : why.startsWith("mvn") ? "maven" : "java", why);
}

/**
 * What `startMongoServer({ forceEmbedded: true })` needs here: the local server of this
 * machine (a mongod on PATH needs nothing more; mongo-java-server Java and Maven; FerretDB Go).
 *
 * @example
 * ```ts
 * const local = localServerTool();
 * test.skipIf(local.missing)(local.named("/health answers 503 while MongoDB is down"), async () => {});
 * ```
 */
export function localServerTool(): Tool {
  const javaTools = Bun.which("java") !== null && Bun.which("mvn") !== null;
  const kind = chooseLocalKind(
    process.env.MONGO_SERVER_KIND,
    Bun.which("mongod") !== null,
    javaTools,
  );
  return kind === "mongod" ? tool("go", null) : launcherTool(kind);
}
