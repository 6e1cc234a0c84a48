/**
 * `npm run mongo`: a MongoDB-wire server in the foreground for the demo and manual
 * runs. Serves on the port of `MONGODB_URI` (default mongodb://127.0.0.1:27017) —
 * here the variable names where to serve, not a server to adopt, hence
 * forceEmbedded — with its data kept in `.cache/mongo-data` (FerretDB, mongod) or in
 * memory (mongo-java-server, the default; `MONGO_SERVER_KIND` picks). Ctrl-C stops it.
 *
 * @example
 * // shell: MONGODB_URI=mongodb://127.0.0.1:27018 npm run mongo
 */
import { join, resolve } from "node:path";
import { startMongoServer } from "./mongo-server.ts";
import { launchedByNpm, watchLauncher } from "../runner/process/launcher-watch.ts";

const wanted = new URL(process.env.MONGODB_URI ?? "mongodb://127.0.0.1:27017");
const port = Number(wanted.port || "27017");
const database = process.env.MONGODB_DB ?? "ofm";
const dataDir = join(resolve(import.meta.dir, ".."), ".cache", "mongo-data");

const server = await startMongoServer({
  port,
  dataDir,
  forceEmbedded: true,
  // Foreground: show the server's own warnings (failed commands, refused TTL indexes).
  logLevel: process.env.MONGO_LOG_LEVEL ?? "warn",
});
console.log(`mongo: ${server.kind} (pid ${server.pid}) serving ${server.uri}`);
console.log(
  server.keepsData
    ? `mongo: data in ${dataDir}`
    : "mongo: data in memory only, gone when the server stops",
);
console.log(`mongo: MONGODB_URI=${server.uri} MONGODB_DB=${database}`);
console.log("mongo: Ctrl-C to stop");

let stopping = false;
const shutdown = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log(`mongo: ${signal}, stopping…`);
  await server.stop();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// npm does not pass a SIGTERM on to its script: stop when the npm that launched us is gone.
if (launchedByNpm(process.env)) watchLauncher({ onGone: () => void shutdown("npm gone") });
