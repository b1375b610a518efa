import { describe, expect, it } from "vitest";
import { StateMetrics } from "./state-metrics.ts";

describe("StateMetrics", () => {
  it("reads each registered store's source at render time", () => {
    const metrics = new StateMetrics();
    let failing = false;
    metrics.watch("limits", () => failing);
    metrics.watch("budgets", () => false);
    expect(metrics.render()).toContain('llmgw_state_degraded{store="limits"} 0\n');
    failing = true;
    const text = metrics.render();
    expect(text).toContain("# TYPE llmgw_state_degraded gauge\n");
    expect(text).toContain('llmgw_state_degraded{store="limits"} 1\n');
    expect(text).toContain('llmgw_state_degraded{store="budgets"} 0\n');
  });

  it("reports nothing when no store is watched", () => {
    expect(new StateMetrics().render()).toBe("");
  });
});
