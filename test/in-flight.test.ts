import { describe, expect, it } from "vitest";
import { InFlight } from "../server/core/in-flight.ts";
import { GatewayError } from "../server/errors/gateway-error.ts";

describe("in-flight calls", () => {
  it("aborts calls that outlive the timeout with deadline_exceeded, and no others", async () => {
    const inFlight = new InFlight(1_000);
    const late = new AbortController();
    inFlight.add(late);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const fresh = new AbortController();
    inFlight.add(fresh);
    const done = new AbortController();
    inFlight.release(inFlight.add(done));
    // Generous margins: a loaded CI machine delays timers.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(late.signal.aborted).toBe(true);
    expect((late.signal.reason as GatewayError).code).toBe("deadline_exceeded");
    expect(fresh.signal.aborted).toBe(false);
    expect(done.signal.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(fresh.signal.aborted).toBe(true);
    inFlight.close();
  });

  it("releases from the middle, the ends and twice without losing the others", () => {
    const inFlight = new InFlight(60_000);
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const [first, , middle, , last] = controllers.map((c) => inFlight.add(c));
    for (const call of [middle, first, last, last]) if (call !== undefined) inFlight.release(call);
    const reason = new GatewayError("unavailable", "stopping");
    inFlight.abortAll(reason);
    expect(controllers.map((c) => c.signal.aborted)).toEqual([false, true, false, true, false]);
    const late = new AbortController();
    inFlight.add(late);
    expect(late.signal.reason).toBe(reason);
    inFlight.close();
  });
});
