// The per-page memory check, on an injected memory reading and collector.
import { describe, expect, test } from "bun:test";
import { createMemoryRelief } from "../../runner/memory-relief.ts";

const MB = 1024 * 1024;

describe("createMemoryRelief()", () => {
  test("createMemoryRelief() collects only when resident memory is over the budget", () => {
    let rss = 100 * MB;
    let collections = 0;
    const relieve = createMemoryRelief({
      budgetMB: 256,
      rss: () => rss,
      live: () => 60 * MB,
      collect: () => {
        collections++;
        rss = 120 * MB;
      },
    });
    expect(relieve()).toBe(false);
    rss = 300 * MB;
    expect(relieve()).toBe(true);
    expect(collections).toBe(1);
    expect(relieve()).toBe(false);
  });

  test("createMemoryRelief() collects again only once resident memory grows a step past what the last collection left, when the allocator keeps freed pages", () => {
    let rss = 300 * MB;
    let collections = 0;
    const relieve = createMemoryRelief({
      budgetMB: 256,
      rss: () => rss,
      live: () => 30 * MB, // a third of it is less than a step
      collect: () => {
        collections++;
        rss = 270 * MB; // the allocator keeps what was freed
      },
    });
    expect(relieve()).toBe(true);
    for (const mb of [270, 280, 286]) {
      rss = mb * MB; // a step is 256 / 16 = 16 MB above the 270 left
      expect(relieve()).toBe(false);
    }
    rss = 287 * MB;
    expect(relieve()).toBe(true);
    expect(collections).toBe(2);
  });

  test("createMemoryRelief() lets resident memory grow a third of what is live before the next collection, not a collection after every page", () => {
    let rss = 400 * MB;
    let collections = 0;
    const relieve = createMemoryRelief({
      budgetMB: 256,
      rss: () => rss,
      live: () => 350 * MB,
      collect: () => {
        collections++;
        rss = 380 * MB;
      },
    });
    expect(relieve()).toBe(true);
    // 350 MB live: the line is 380 + 350 / 3 ≈ 496.7 MB.
    for (let page = 0; page < 50; page++) relieve();
    expect(collections).toBe(1);
    rss = 496 * MB;
    expect(relieve()).toBe(false);
    rss = 497 * MB;
    expect(relieve()).toBe(true);
    expect(collections).toBe(2);
  });

  test("createMemoryRelief() never collects with a budget of 0, and refuses a negative one", () => {
    let collections = 0;
    const relieve = createMemoryRelief({
      budgetMB: 0,
      rss: () => 10_000 * MB,
      collect: () => collections++,
    });
    expect(relieve()).toBe(false);
    expect(collections).toBe(0);
    expect(() => createMemoryRelief({ budgetMB: -1 })).toThrow(RangeError);
  });

  test("createMemoryRelief() collects with Bun's own reading and collector over a budget the process exceeds, and not under one it cannot reach", () => {
    // Any Bun process holds more than 1 MB resident and less than 1 TB.
    const over = createMemoryRelief({ budgetMB: 1 });
    expect(over()).toBe(true);
    const under = createMemoryRelief({ budgetMB: 1024 * 1024 });
    expect(under()).toBe(false);
  });

  test("createMemoryRelief() reads resident memory once per check and the live size only after collecting", () => {
    const reads = { rss: 0, live: 0 };
    const relieve = createMemoryRelief({
      budgetMB: 100,
      rss: () => (reads.rss++, 50 * MB),
      live: () => (reads.live++, 10 * MB),
      collect: () => {},
    });
    for (let page = 0; page < 5; page++) relieve();
    expect(reads).toEqual({ rss: 5, live: 0 });
  });
});
