/**
 * The one executable (`npm run build` → `./scim-sync`, `bun build --compile`):
 * `scim-sync start` is `npm start` (the daemon), `scim-sync sync [flags]` is
 * `npm run sync -- [flags]`, `scim-sync purge [flags]` is `npm run purge --
 * [flags]` — the same modules with the same flags, exit codes and stop
 * behaviour. Like Bun, the executable reads `.env` from its working directory;
 * under systemd, `EnvironmentFile=` is the usual way.
 *
 * @module
 */

const USAGE = `Usage: scim-sync <command> [flags]

  start              the runner daemon (scheduler, sync page, ingestion, /health, /metrics)
  sync [flags]       one sync, as npm run sync (--help lists its flags)
  purge [flags]      hard-delete the long departed, as npm run purge (--help lists its flags)
  version            print the version
`;

declare const SCIM_SYNC_VERSION: string | undefined;
export {};

/** The command word, taken out of argv so the command's own parser sees only its flags. */
function takeCommand(): string | undefined {
  const command = process.argv[2];
  process.argv.splice(2, 1);
  return command;
}

const command = takeCommand();
switch (command) {
  case "start":
    await import("../main.ts");
    break;
  case "sync":
    await import("./sync.ts");
    break;
  case "purge":
    await import("./purge.ts");
    break;
  case "version":
  case "--version":
    console.log(typeof SCIM_SYNC_VERSION === "string" ? SCIM_SYNC_VERSION : "development");
    break;
  case "help":
  case "--help":
  case "-h":
    console.log(USAGE);
    break;
  default:
    console.error(
      `${command === undefined ? "No command given" : `Unknown command "${command}"`}\n${USAGE}`,
    );
    process.exitCode = 2;
}
