// The abortable wait of shared/: it ends at its time or at the signal, whichever is first.
// Each test awaits the outcome itself; none depends on how long the machine takes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sleep } from "../../shared/sleep.ts";

describe("sleep()", () => {
  test("sleep() resolves after its time when nothing aborts it", async () => {
    assert.equal(await sleep(1), undefined);
    assert.equal(await sleep(1, new AbortController().signal), undefined);
  });

  test("sleep() rejects with the signal's reason at once when the signal is already aborted", async () => {
    const reason = new Error("stopped");
    // An hour-long wait that must not be waited: only the rejection can end this test.
    await assert.rejects(sleep(3_600_000, AbortSignal.abort(reason)), (e) => e === reason);
  });

  test("sleep() rejects with the signal's reason when aborted while waiting", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const waiting = sleep(3_600_000, controller.signal);
    controller.abort(reason);
    await assert.rejects(waiting, (e) => e === reason);
  });
});
