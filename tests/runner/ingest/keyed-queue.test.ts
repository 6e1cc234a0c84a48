import { describe, expect, test } from "bun:test";
import { createKeyedQueue, QueueStallError } from "../../../runner/ingest/keyed-queue.ts";

/** A task that records its start and end around a wait it does not control. */
function task(log: string[], name: string, gate: Promise<void>, fail = false) {
  return async () => {
    log.push(`${name}:start`);
    await gate;
    log.push(`${name}:end`);
    if (fail) throw new Error(name);
    return name;
  };
}

describe("createKeyedQueue()", () => {
  test("run() starts a key's task only after the previous one of that key settled, even when it failed", async () => {
    const q = createKeyedQueue();
    const log: string[] = [];
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => (open = r));
    const a = q.run("User:u1", task(log, "a", gate, true));
    const b = q.run("User:u1", task(log, "b", Promise.resolve()));
    await Promise.resolve();
    expect(log).toEqual(["a:start"]);
    open();
    await expect(a).rejects.toThrow("a");
    expect(await b).toBe("b");
    expect(log).toEqual(["a:start", "a:end", "b:start", "b:end"]);
  });

  test("run() lets tasks of different keys run at the same time", async () => {
    const q = createKeyedQueue();
    const log: string[] = [];
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => (open = r));
    const a = q.run("User:u1", task(log, "a", gate));
    const b = q.run("User:u2", task(log, "b", gate));
    await Promise.resolve();
    expect(log).toEqual(["a:start", "b:start"]);
    open();
    expect(await Promise.all([a, b])).toEqual(["a", "b"]);
  });

  test("run() with stallMs answers a task that never settles with QueueStallError and lets the key's next task start", async () => {
    const fire: (() => void)[] = [];
    const q = createKeyedQueue({
      stallMs: 60_000,
      setTimer: (fn) => {
        fire.push(fn);
        return () => {};
      },
    });
    const log: string[] = [];
    const hung = q.run("User:u1", task(log, "a", new Promise<void>(() => {})));
    const next = q.run("User:u1", task(log, "b", Promise.resolve()));
    await Promise.resolve();
    expect(log).toEqual(["a:start"]);
    fire[0]!();
    await expect(hung).rejects.toBeInstanceOf(QueueStallError);
    await expect(hung).rejects.toThrow(
      "User:u1: MongoDB had not answered this event's writes after 60 s",
    );
    expect(await next).toBe("b");
    expect(log).toEqual(["a:start", "b:start", "b:end"]);
  });

  test("run() forgets a key once its tasks are done", async () => {
    const q = createKeyedQueue();
    await Promise.all([
      q.run("k1", async () => 1),
      q.run("k2", async () => 2),
      q.run("k1", async () => 3),
    ]);
    await Promise.resolve();
    expect(q.size).toBe(0);
  });
});
