// The one gate across replicas: two real runner processes on one MongoDB take webhook
// deletes at the same time, round after round, and together never deactivate more than
// SYNC_MAX_DEACTIVATE; the rest are held for an operator, none lost.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MongoClient } from "mongodb";
import { signScimBody } from "../../../shared/signature.ts";
import { type RunningSso, startDevSso } from "../../../dev/sso/server.ts";
import { type RunnerProcess, startRunner } from "../support/runner-process.ts";
import { INGEST_SECRET, userEvent } from "../support/ingest-harness.ts";
import { MONGODB_URI } from "../support/sync-env.ts";

const LIMIT = 5;
let sso: RunningSso;
let mongo: MongoClient;
beforeAll(async () => {
  sso = await startDevSso({ users: 80, maxResults: 100, rateLimitPerMinute: 0 });
  mongo = await new MongoClient(MONGODB_URI).connect();
});
afterAll(async () => {
  await mongo.close();
  await sso.stop();
});

async function send(r: RunnerProcess, e: unknown): Promise<string> {
  const body = JSON.stringify(e);
  const res = await fetch(`${r.url}/api/v1/scim/events`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-scim-signature": await signScimBody(INGEST_SECRET, body),
    },
  });
  return ((await res.json()) as { status: string }).status;
}

describe("the gate across two runner processes", () => {
  test(
    "two replicas taking 12 webhook deletes at once deactivate exactly the limit, every round",
    async () => {
      for (let round = 0; round < 3; round++) {
        const db = `t_gate_replicas_${process.pid}_${round}`;
        const env = {
          MONGODB_URI,
          MONGODB_DB: db,
          SSO_BASE_URL: sso.url,
          SCIM_CLIENT_ID: "scim-dev-client",
          SCIM_CLIENT_SECRET: "dev-secret-change-me",
          INGEST_SECRET,
          SYNC_MAX_DEACTIVATE: String(LIMIT),
          SYNC_ON_START: "false",
          LOG_LEVEL: "warn",
        };
        const [a, b] = await Promise.all([startRunner(env), startRunner(env)]);
        try {
          const users = mongo.db(db).collection("users");
          const ids = sso.sso.directory.list("User").slice(round * 20, round * 20 + 12).map((u) =>
            String(u.id)
          );
          await users.insertMany(
            ids.map((id) => ({ ssoUserId: id, email: `${id}@x`, isActive: true, syncHash: "h" })),
          );
          const statuses = await Promise.all(ids.map((id, i) =>
            send(
              i % 2 ? a : b,
              userEvent({
                id: `r${round}-del-${i}`,
                event: "user.deleted",
                resourceId: id,
                timestamp: new Date().toISOString(),
              }),
            )
          ));
          expect(statuses.filter((s) => s === "success").length).toBe(LIMIT);
          expect(statuses.filter((s) => s === "held").length).toBe(12 - LIMIT);
          expect(await users.countDocuments({ isActive: false })).toBe(LIMIT);
        } finally {
          a.signal("SIGTERM");
          b.signal("SIGTERM");
          await Promise.all([a.exited, b.exited]);
          await mongo.db(db).dropDatabase();
        }
      }
    },
    120_000,
  );
});
