import pino from "pino";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../errors/gateway-error.ts";
import type { ProviderAdapter } from "../providers/adapter.ts";
import { adHocDeployment } from "./ad-hoc-deployment.ts";
import { HealthProber } from "./health-prober.ts";

/** An adapter whose model list fails while `down` is set. */
function adapter(state: { down: boolean; probes: number }): ProviderAdapter {
  return {
    name: "p",
    listModels: async () => {
      state.probes++;
      if (state.down)
        throw new GatewayError("upstream_unavailable", "upstream p is unreachable (ECONNREFUSED)");
      return [];
    },
  } as unknown as ProviderAdapter;
}

const SETTINGS = { probe_interval_ms: 0, probe_timeout_ms: 1000, unhealthy_after: 2 };

describe("active health probes", () => {
  it("marks a provider's deployments unhealthy after failed probes in a row, and healthy after one passes", async () => {
    const state = { down: true, probes: 0 };
    const a = adapter(state);
    const deployments = [
      adHocDeployment({ adapter: a, provider: "p", model: "m1", pricing: undefined }),
      adHocDeployment({ adapter: a, provider: "p", model: "m2", pricing: undefined }),
    ];
    const prober = new HealthProber(() => deployments, SETTINGS, pino({ level: "silent" }));
    await prober.probeOnce();
    // One provider is probed once, however many deployments it has.
    expect(state.probes).toBe(1);
    expect(deployments.map((d) => d.live.health.healthy)).toEqual([true, true]);
    await prober.probeOnce();
    expect(deployments.map((d) => d.live.health.healthy)).toEqual([false, false]);
    expect(deployments[0]?.live.health.reason).toBe(
      "2 health probes failed in a row: upstream p is unreachable (ECONNREFUSED)",
    );
    state.down = false;
    await prober.probeOnce();
    expect(deployments.map((d) => d.live.health.healthy)).toEqual([true, true]);
    expect(deployments[0]?.live.health.reason).toBe("");
    await prober.close();
  });
});
