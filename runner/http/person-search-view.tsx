/**
 * Finding a person on the page: the search box (a GET form, so it works
 * without JavaScript) and the result list (`/modules/sync/people?q=`): name,
 * email, department, active in the SSO and in OFM, each name a link to the
 * person view. Nobody found offers the direct look-up by email, SSO id or
 * employee number, which also finds people the SSO has and OFM has not.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import type { FoundPerson, PeopleFound } from "../inspect/find-people.ts";
import { Mark } from "./marks.tsx";
import { num, type TimeFormat, UTC_FORMAT } from "./page-format.tsx";
import { BackLink, PageShell } from "./page-shell.tsx";

const personPath = (key: string) => `/modules/sync/people/${encodeURIComponent(key)}`;

/**
 * The search box of the sync page and the person view.
 *
 * @example
 * ```tsx
 * <PersonSearch />
 * ```
 */
export function PersonSearch({ value = "" }: { value?: string }): Child {
  return (
    <section class="card" id="person-search">
      <h2>
        <label for="person-q">Find a person</label>
      </h2>
      <form method="get" action="/modules/sync/people" class="actions" role="search">
        <input
          type="search"
          id="person-q"
          name="q"
          value={value}
          required
          maxlength={320}
          autocomplete="off"
          placeholder="first or last name, email, SSO id or employee number"
          aria-describedby="person-q-help"
        />
        <span class="sub" id="person-q-help">
          The start of a first name, last name or email is enough, in any case.
        </span>
        <button class="btn secondary" type="submit">
          <Mark name="search" /> Search
        </button>
      </form>
    </section>
  );
}

const Active = ({ v, what }: { v: boolean | null | undefined; what: string }) =>
  v === undefined
    ? <span class="sub">not asked</span>
    : v === null
    ? <span class="sub">not in {what}</span>
    : v
    ? (
      <span>
        <Mark name="ok" /> active
      </span>
    )
    : (
      <span>
        <Mark name="bad" /> inactive
      </span>
    );

function Row({ p }: { p: FoundPerson }) {
  return (
    <tr data-sso-user-id={p.ssoUserId}>
      <td data-label="Name">
        <a href={personPath(p.ssoUserId)}>{p.name ?? p.email}</a>
      </td>
      <td data-label="Email">{p.email}</td>
      <td data-label="Department">
        {p.departmentName ?? p.departmentId ?? <span class="sub">—</span>}
      </td>
      <td data-label="In the SSO">
        <Active v={p.activeInSso} what="the SSO" />
      </td>
      <td data-label="In OFM">
        <Active v={p.activeInOfm} what="OFM" />
      </td>
    </tr>
  );
}

/**
 * The result page.
 *
 * @example
 * ```tsx
 * c.html(<SearchResultsPage found={await findPeople(deps, "jan")} zone={zone} />);
 * ```
 */
export function SearchResultsPage(
  { found, zone = UTC_FORMAT }: { found: PeopleFound; zone?: TimeFormat },
): Child {
  const n = found.people.length;
  return (
    <PageShell
      title={`People matching ${found.query}`}
      heading="Find a person"
      sub={<BackLink />}
      zone={zone}
    >
      <PersonSearch value={found.query} />
      <section class="card" id="results" data-count={String(n)}>
        <h2>
          {n === 0 ? <>Nobody in OFM matches “{found.query}”</> : (
            <>
              {found.more ? `First ${num(n)}` : num(n)}{" "}
              {n === 1 ? "person matches" : "people match"} “{found.query}”
            </>
          )}
        </h2>
        {found.more
          ? <p class="sub">More people match: type more of the name to narrow the list.</p>
          : null}
        {found.ssoError
          ? <p class="sub">The SSO could not be asked who is active there: {found.ssoError}</p>
          : null}
        {n > 0
          ? (
            <div class="table-wrap">
              <table class="stack" id="people">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Email</th>
                    <th scope="col">Department</th>
                    <th scope="col">In the SSO</th>
                    <th scope="col">In OFM</th>
                  </tr>
                </thead>
                <tbody>
                  {found.people.map((p) => <Row p={p} />)}
                </tbody>
              </table>
            </div>
          )
          : null}
        <p class="sub" id="direct">
          Not the one? <a href={personPath(found.query)}>Look “{found.query}” up directly</a>{" "}
          as an exact email, SSO user id or employee number, in OFM and in the SSO.
        </p>
      </section>
    </PageShell>
  );
}
