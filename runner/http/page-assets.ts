/**
 * The sync page's inline stylesheet and its small optional script. Both are
 * constants with no data in them, so inlining them raw is safe; the page
 * works without the script (form POST, then a refresh while a run lasts).
 * The Content-Security-Policy allows exactly this script by its hash, so no
 * other inline script — an injected one included — would ever run.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * The page's CSS: one column on a phone, cards side by side on a laptop;
 * tables turn into stacked cards below 720px.
 *
 * @example
 * ```tsx
 * <style>{raw(PAGE_CSS)}</style>
 * ```
 */
export const PAGE_CSS = `
:root{--bg:#f5f7fb;--card:#fff;--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--ok:#15803d;--okbg:#ecfdf3;
--okline:#86efac;--bad:#b91c1c;--badbg:#fef2f2;--badline:#fca5a5;--warn:#b45309;--warnbg:#fffbeb;--info:#1d4ed8;
--infobg:#eff6ff;--accent:#2563eb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1100px;margin:0 auto;padding:20px 16px 48px}
header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:4px 16px;margin-bottom:16px}
h1{font-size:1.5rem;margin:0}
h2{font-size:1.1rem;margin:0 0 12px}
.sub{color:var(--muted);font-size:.9rem}
.grid{display:grid;gap:16px;grid-template-columns:1fr;margin-bottom:16px}
@media(min-width:860px){.grid{grid-template-columns:1fr 1fr}}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px 18px;margin-bottom:16px;
box-shadow:0 1px 2px rgba(0,0,0,.04);min-width:0}
.grid .card{margin-bottom:0}
.box{border-radius:10px;padding:12px 14px;border:1px solid}
.box.ok{background:var(--okbg);border-color:var(--okline);color:#14532d}
.box.bad{background:var(--badbg);border-color:var(--badline);color:#7f1d1d}
.box strong{display:block;font-size:1.05rem;margin-bottom:6px}
.box ul{margin:6px 0 0;padding-left:20px}
.kv{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 14px;margin:8px 0 0;font-size:.92rem}
.kv dt{color:var(--muted)}.kv dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.err{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;word-break:break-word}
.alert{border-radius:10px;padding:12px 14px;margin-bottom:16px;border:1px solid}
.alert.success{background:var(--okbg);border-color:var(--okline);color:#14532d}
.alert.error{background:var(--badbg);border-color:var(--badline);color:#7f1d1d}
.alert.info{background:var(--infobg);border-color:#bfdbfe;color:#1e3a8a}
.alert strong{margin-right:6px}
.btn{appearance:none;border:0;border-radius:10px;background:var(--accent);color:#fff;font:inherit;font-weight:600;
padding:12px 20px;cursor:pointer;width:100%;max-width:320px}
.btn:hover{background:#1d4ed8}.btn:disabled{background:#93c5fd;cursor:not-allowed}
.actions{display:flex;flex-direction:column;align-items:stretch;gap:10px}
.actions .btn{max-width:none}
.btn.secondary{background:#fff;color:var(--accent);border:1px solid var(--accent)}.btn.secondary:hover{background:var(--infobg)}
svg.trend{display:block;width:100%;height:auto;max-height:280px;margin:6px 0 12px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:-6px 0 10px;color:var(--muted);font-size:.85rem}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.legend i.line{height:0;border-top:2px dotted #111827;border-radius:0}
@media(min-width:721px){table.plan{table-layout:fixed}table.plan th:nth-child(1){width:11rem}
table.plan th:nth-child(2){width:17rem}}
table.plan td{overflow-wrap:anywhere}
input[type=search]{font:inherit;width:100%;padding:11px 12px;border:1px solid var(--line);border-radius:10px;
background:#fff;color:var(--ink)}
input[type=search]:focus{outline:2px solid var(--accent);outline-offset:1px}
.progress{margin-top:12px;padding:10px 12px;border-radius:10px;background:var(--infobg);color:#1e3a8a;font-size:.92rem}
.progress .bar{height:6px;border-radius:3px;background:#dbeafe;margin-top:6px;overflow:hidden}
.progress .bar span{display:block;height:100%;background:var(--accent);width:0;transition:width .4s}
.stats{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:10px}
@media(min-width:560px){.stats{grid-template-columns:repeat(4,minmax(0,1fr))}}
@media(min-width:980px){.stats{grid-template-columns:repeat(8,minmax(0,1fr))}}
.stat{border:1px solid var(--line);border-radius:10px;padding:8px 10px}
.stat b{display:block;font-size:1.3rem}.stat span{color:var(--muted);font-size:.82rem}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:.8rem;font-weight:600;white-space:nowrap}
.b-success{background:#dcfce7;color:#166534}.b-failed{background:#fee2e2;color:#991b1b}
.b-aborted,.b-stale,.b-incomplete{background:#fef3c7;color:#92400e}.b-interrupted,.b-abandoned,.b-duplicate{background:#e5e7eb;color:#374151}
.b-running,.b-processing{background:#dbeafe;color:#1e40af}
.table-wrap{overflow-x:auto}
table{width:100%;border-collapse:collapse;font-size:.9rem}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
details summary{cursor:pointer;color:var(--bad)}
details ul{margin:6px 0 0;padding-left:18px}
.empty{color:var(--muted);font-style:italic}
.mark{vertical-align:-.15em;flex:none}
a{color:#1d4ed8}a:focus-visible,.btn:focus-visible,summary:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.b-partial,.b-held{background:#fef3c7;color:#92400e}.b-other{background:#e5e7eb;color:#374151}
.run-state{white-space:nowrap}
.held-actions{display:flex;flex-wrap:wrap;gap:8px;margin:4px 0 10px}.held-actions .btn{width:auto;padding:8px 14px}
.btn.small{width:auto;padding:4px 10px;font-size:.85rem;border-radius:8px}.row-actions{display:flex;gap:6px;flex-wrap:wrap}
.pages{display:flex;flex-wrap:wrap;gap:4px 16px;color:var(--muted);font-size:.88rem;margin:6px 0}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.state.s-in_step{border-color:var(--okline);background:var(--okbg)}.state.s-out_of_step{border-color:var(--badline);background:var(--badbg)}
.state.s-unknown{border-color:#fcd34d;background:var(--warnbg)}.state h2{margin:0 0 4px}.state p{margin:0}
ul.changes{margin:0;padding-left:16px}
h3{font-size:1rem;margin:16px 0 8px}
.same{color:var(--ok)}.differs{color:var(--bad);font-weight:600}
@media(max-width:720px){
 table.stack thead{display:none}
 table.stack tr{display:block;border:1px solid var(--line);border-radius:10px;margin-bottom:10px;padding:6px 10px}
 table.stack td{display:flex;justify-content:space-between;gap:12px;border:0;padding:4px 0;text-align:right}
 table.stack td::before{content:attr(data-label);color:var(--muted);font-size:.8rem;text-align:left}
 table.stack td.wide{display:block;text-align:left}
 table.stack td.wide::before{display:block}
}
`;

/**
 * The optional script: sends the button's POST with fetch, polls the status
 * JSON, shows progress, then reloads the page on `?run=` for the result alert.
 *
 * @example
 * ```tsx
 * <script>{raw(PAGE_SCRIPT)}</script>
 * ```
 */
export const PAGE_SCRIPT = `
(() => {
  const form = document.getElementById("sync-form");
  const box = document.getElementById("progress");
  if (!form || !box || !window.fetch) return;
  const text = box.querySelector(".progress-text");
  const bar = box.querySelector(".bar span");
  const labels = { connecting: "Connecting to Aksara SSO", orgUnits: "Fetching organizational units",
    users: "Fetching users", writing: "Writing to MongoDB", done: "Finishing" };
  const show = (p) => {
    box.hidden = false;
    if (!p) { text.textContent = "Starting synchronization…"; return; }
    const n = (x) => Number(x).toLocaleString("en-US");
    const of = p.total != null ? " of " + n(p.total) : "";
    text.textContent = (labels[p.phase] || p.phase) + ": " + n(p.fetched) + of + " (page " + n(p.pageNo) + ")";
    if (bar && p.total) bar.style.width = Math.min(100, Math.round((100 * p.fetched) / p.total)) + "%";
  };
  const finish = (runId) => location.replace("/modules/sync?run=" + encodeURIComponent(runId));
  const poll = async (runId) => {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      let s;
      try {
        const r = await fetch("/api/v1/scim/sync/status?runId=" + encodeURIComponent(runId), {
          headers: { accept: "application/json" } });
        if (!r.ok) continue;
        s = await r.json();
      } catch { continue; }
      if (!s.job || s.job.status !== "running") return finish(runId);
      show(s.job.progress);
    }
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const btn = form.querySelector("button");
    if (btn) btn.disabled = true;
    show(null);
    try {
      const r = await fetch("/api/v1/scim/sync", { method: "POST", headers: { accept: "application/json" } });
      const body = await r.json().catch(() => ({}));
      if (r.status === 202 && body.runId) {
        history.replaceState(null, "", "/modules/sync?run=" + encodeURIComponent(body.runId));
        return poll(body.runId);
      }
      location.replace("/modules/sync?refused=" + encodeURIComponent(body.reason || "error"));
    } catch { form.submit(); }
  });
  if (box.dataset.runId) poll(box.dataset.runId);
})();
`;

/** CSP source for an inline script: the base64 SHA-256 of its exact text. */
const scriptHash = (text: string) =>
  `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/**
 * The page's Content-Security-Policy: its one script by hash (no
 * `'unsafe-inline'` for scripts), fetches to itself only, no framing. Styles
 * stay inline (the stylesheet and a few `style` attributes; no data in them).
 *
 * @example
 * ```ts
 * c.header("Content-Security-Policy", PAGE_CSP);
 * ```
 */
export const PAGE_CSP =
  `default-src 'none'; style-src 'unsafe-inline'; script-src ${scriptHash(PAGE_SCRIPT)}; ` +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
