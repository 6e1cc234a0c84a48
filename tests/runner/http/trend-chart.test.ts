// The trend charts are pure functions from data to SVG: rendered here and read back.
import { describe, expect, test } from "bun:test";
import {
  EventsChart,
  hourBuckets,
  RunsChart,
  type TrendRun,
} from "../../../runner/http/trend-chart.tsx";

const at = (h: number) => new Date(Date.UTC(2025, 9, 19, h));
const run = (over: Partial<TrendRun>): TrendRun => ({
  startedAt: at(1),
  status: "success",
  durationMs: 1000,
  created: 1,
  updated: 2,
  deactivated: 0,
  label: "full",
  ...over,
});
const html = (node: unknown) => String(node);

describe("trend charts", () => {
  test("`RunsChart()` draws three bars per run and a band inside the plot behind each failed run", () => {
    const svg = html(
      RunsChart({
        runs: [run({}), run({ status: "failed", startedAt: at(2) }), run({ status: "aborted" })],
      }),
    );
    expect(svg.match(/<g class="run[^"]*"/g)?.length).toBe(3);
    expect(svg.match(/class="bar (created|updated|deactivated)"/g)?.length).toBe(9);
    const bands = [
      ...svg.matchAll(/class="status-band" x="[\d.]+" y="([\d.]+)"[^>]*height="([\d.]+)"/g),
    ];
    expect(bands).toHaveLength(2);
    // Inside the plot: from its top (10) to its base (166), not below the chart.
    for (const b of bands) expect(Number(b[1]) + Number(b[2])).toBeLessThanOrEqual(166);
    expect(svg).toContain('data-runs="3"');
    expect(svg).toContain('<title id="trend-runs-title">Last 3 sync runs</title>');
    expect(svg).toContain("2 of 3 runs failed");
  });

  test("`RunsChart()` keeps 4 updates visible beside a first import of 2,000 (log scale, labelled ticks)", () => {
    const svg = html(
      RunsChart({ runs: [run({ created: 2000, updated: 0 }), run({ created: 0, updated: 4 })] }),
    );
    const heights = [...svg.matchAll(/class="bar \w+"[^>]*height="([\d.]+)"/g)].map((m) =>
      Number(m[1])
    );
    const [big, small] = [heights[0]!, heights[4]!];
    expect(small).toBeGreaterThan(big / 5); // linear: 4/2000 of it, a flat line
    expect(small).toBeLessThan(big);
    for (const tick of ["0", "1", "10", "100", "1,000", "10,000"]) {
      expect(svg).toContain(`>${tick}</text>`);
    }
    expect(svg).toContain("users per run (log)");
  });

  test("`RunsChart()` labels each run with its date and time, and shades an unknown status amber", () => {
    const svg = html(RunsChart({ runs: [run({ status: "partial" })] }));
    expect(svg).toContain("<tspan");
    expect(svg).toContain(">10-19</tspan>");
    expect(svg).toContain('class="run other"');
    expect(svg).toContain("1 ended otherwise");
  });

  test("`RunsChart()` escapes text that came from stored documents", () => {
    const svg = html(
      RunsChart({ runs: [run({ label: "<script>alert(1)</script>", status: 'x"><b>' })] }),
    );
    expect(svg).not.toContain("<script>");
    expect(svg).not.toContain('"><b>');
    expect(svg).toContain("&lt;script&gt;");
  });

  test("`EventsChart()` draws a total and a failed bar per hour and says how many failed", () => {
    const svg = html(
      EventsChart({
        hours: [{ hour: at(1), total: 4, failed: 1 }, { hour: at(2), total: 0, failed: 0 }],
      }),
    );
    expect(svg.match(/class="bar total"/g)?.length).toBe(2);
    expect(svg.match(/class="bar failed"/g)?.length).toBe(2);
    expect(svg.match(/<g class="hour failed"/g)?.length).toBe(1);
    expect(svg).toContain("4 events received, 1 failed");
    expect(svg).toContain("events per hour");
  });

  test("`hourBuckets()` counts events into the hours ending at now and drops older ones", () => {
    const b = hourBuckets(
      [
        { receivedAt: new Date(Date.UTC(2025, 9, 19, 10, 20)), status: "failed" },
        { receivedAt: new Date(Date.UTC(2025, 9, 19, 11, 1)), status: "success" },
        { receivedAt: new Date(Date.UTC(2025, 9, 19, 8, 59)), status: "success" },
      ],
      new Date(Date.UTC(2025, 9, 19, 11, 5)),
      2,
    );
    expect(b).toEqual([
      { hour: at(10), total: 1, failed: 1 },
      { hour: at(11), total: 1, failed: 0 },
    ]);
  });
});
