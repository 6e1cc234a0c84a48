/**
 * The person routes on the runner's app, behind the admin rule: the JSON
 * inspector, the JSON on-demand sync, the search, the person view and its
 * "Sync now" form — against the development SSO and the MongoDB-wire server.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ENTERPRISE_URN } from "../../../dev/sso/generator.ts";
import type { Runtime } from "../../../runner/compose.ts";
import { personApp } from "../support/runner-app.ts";
import { type SyncEnv, syncEnv } from "../support/sync-env.ts";

const TOKEN = "person-routes-admin-token";
let t: SyncEnv | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const appOf = (rt: Runtime) => personApp(rt, TOKEN);

const auth = { Authorization: `Bearer ${TOKEN}`, Host: "127.0.0.1" };

async function janeWithNewDepartment(env: SyncEnv) {
  const rt = await env.runtime();
  expect((await rt.runSync({ type: "full" })).history.status).toBe("success");
  const u = env.sso.sso.directory.list("User").find((x) =>
    x.active !== false && (x[ENTERPRISE_URN] as Record<string, unknown> | undefined)?.department
  )!;
  env.sso.sso.directory.update("User", String(u.id), (cur) => ({
    ...cur,
    [ENTERPRISE_URN]: { ...(cur[ENTERPRISE_URN] as Record<string, unknown>), department: "D-NEW" },
  }));
  return { rt, id: String(u.id), email: String(u.userName) };
}

describe("person routes", () => {
  test("`GET /api/v1/scim/people/:key` and its sync answer 401 without the admin token", async () => {
    t = await syncEnv("proutes_auth");
    const { rt, email } = await janeWithNewDepartment(t);
    const app = appOf(rt);
    const path = `/api/v1/scim/people/${encodeURIComponent(email)}`;
    expect((await app.request(path, { headers: { Host: "127.0.0.1" } })).status).toBe(401);
    const post = await app.request(`${path}/sync`, {
      method: "POST",
      headers: { Host: "127.0.0.1" },
    });
    expect(post.status).toBe(401);
    expect(
      (await app.request(`/modules/sync/people/${email}`, { headers: { Host: "127.0.0.1" } }))
        .status,
    )
      .toBe(401);
  });

  test("`GET /api/v1/scim/people/:key` answers the report and `POST …/sync` fixes the department", async () => {
    t = await syncEnv("proutes_json");
    const { rt, id, email } = await janeWithNewDepartment(t);
    const app = appOf(rt);
    const path = `/api/v1/scim/people/${encodeURIComponent(email)}`;
    const res = await app.request(path, { headers: auth });
    expect(res.status).toBe(200);
    const report = await res.json() as { ssoUserId: string; findings: { cause: string }[] };
    expect(report.ssoUserId).toBe(id);
    // The SSO changed the department and no webhook told OFM: the recorded cause, not a guess.
    expect(report.findings.map((f) => f.cause)).toEqual(["webhook_missing"]);
    const synced = await app.request(`${path}/sync`, { method: "POST", headers: auth });
    expect(synced.status).toBe(200);
    expect(await synced.json()).toMatchObject({ outcome: "updated", ssoUserId: id });
    const unknown = await app.request("/api/v1/scim/people/nobody%40x.example/sync", {
      method: "POST",
      headers: auth,
    });
    expect(unknown.status).toBe(404);
  });

  test("the person view shows the mismatch, and its Sync now form redirects to the fixed view", async () => {
    t = await syncEnv("proutes_page");
    const { rt, email } = await janeWithNewDepartment(t);
    const app = appOf(rt);
    const search = await app.request(`/modules/sync/people?q=${encodeURIComponent(email)}`, {
      headers: auth,
    });
    expect(search.status).toBe(303);
    const view = search.headers.get("location")!;
    const page = await app.request(view, { headers: auth });
    expect(page.headers.get("content-security-policy")).toContain("script-src 'sha256-");
    const html = await page.text();
    expect(html).toContain('data-field="departmentId" data-equal="false"');
    expect(html).toContain("D-NEW");
    const form = html.match(/<form method="post" action="([^"]+)"/)![1]!;
    const posted = await app.request(form, {
      method: "POST",
      headers: { ...auth, Origin: "http://127.0.0.1" },
    });
    expect(posted.status).toBe(303);
    const after = await (await app.request(posted.headers.get("location")!, { headers: auth }))
      .text();
    expect(after).toContain("Synced now: updated");
    expect(after).toContain('data-field="departmentId" data-equal="true"');
    expect(after).toContain('data-state="in_step"');
    expect(after).toMatch(/<li data-field="departmentId">Department: [^→]* → D-NEW/);
  });
});
