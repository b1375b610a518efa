import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { RoutingConfigJson } from "../../sdk/routing-config.ts";
import { type RoutingConfig, routingSchema } from "../config/routing-schema.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import { KeyRing } from "../policy/auth/key-ring.ts";
import { RoutePlanner } from "../routing/route-planner.ts";
import { chat, sequence } from "../routing/strategies/test-candidates.ts";
import { PROVIDERS, recordingFactories, testTable } from "../routing/test-routing.ts";
import type { KeyInfo } from "./call.ts";
import { RoutingControl } from "./routing-control.ts";

const ADMIN: KeyInfo = { name: "ops", admin: true, priority: 0, team: "" };
const USER: KeyInfo = { name: "app", admin: false, priority: 0, team: "" };

const ROUTING = {
  strategy: "latency",
  models: [
    {
      name: "chat",
      deployments: [
        {
          id: "gpu",
          provider: "local",
          model: "llama-8b",
          max_concurrency: 2,
          max_queue: 3,
          tags: ["local"],
        },
        { provider: "cloud", model: "gpt-4o", priority: 1, weight: 2 },
      ],
      fallbacks: ["big"],
    },
    {
      name: "big",
      deployments: [
        { provider: "cloud", model: "gpt-4o" },
        { provider: "other", model: "claude-sonnet-4" },
      ],
    },
  ],
};

function setup(routing: unknown = ROUTING) {
  const made = recordingFactories();
  const { table } = testTable(routing, made.options);
  const planner = new RoutePlanner(table, { random: sequence(0.5) });
  const applied: RoutingConfig[] = [];
  const control = new RoutingControl({
    table,
    planner,
    providers: PROVIDERS.map((p) => p.name),
    applied: (r) => applied.push(r),
  });
  const live = (id: string) => {
    const d = table.deployments().find((x) => x.id === id);
    if (d === undefined) throw new Error(`no deployment ${id}`);
    return d.live;
  };
  return { table, planner, control, made, applied, live };
}

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

describe("RoutingControl", () => {
  it("lets only admin keys change the config, and any key read it", () => {
    const { control, table, applied } = setup();
    const before = table.current();
    const error = refusal(() => control.update(USER, { strategy: "cost" }));
    expect(error.code).toBe("permission_denied");
    expect(table.current()).toBe(before);
    expect(applied).toEqual([]);
    // Reading needs no admin key.
    expect(control.config(USER)).toMatchObject({ strategy: "latency" });
    expect(control.deployments(USER).map((d) => d.id)).toEqual([
      "gpu",
      "cloud:gpt-4o",
      "other:claude-sonnet-4",
    ]);
    expect(control.explain(USER, chat("hi", { model: "chat" }), false).serving?.id).toBe("gpu");
    // The open gateway's caller (no keys configured) is an admin, as the key ring makes it.
    const open = new KeyRing([]).authenticate(undefined);
    expect(control.update(open, { strategy: "cost" })).toMatchObject({ strategy: "cost" });
  });

  it("refuses a bad update whole, naming every problem, and keeps the old config in force", () => {
    const { control, table, planner, applied } = setup();
    const before = table.current();
    // Shape errors first: as for the config file, zod checks the cross-field rules only on a well-formed section.
    const shape = refusal(() =>
      control.update(ADMIN, {
        strategy: "fastest",
        breaker: { enabled: "yes" },
        models: [{ name: "chat", deployments: [{ provider: "cloud", model: "gpt-4o" }] }],
      }),
    );
    expect(shape.code).toBe("invalid_request");
    expect(shape.param).toBe("config");
    expect(shape.message).toMatch(/nothing was changed/);
    expect(shape.message).toMatch(/\n {2}- strategy: Invalid option/);
    expect(shape.message).toMatch(/\n {2}- breaker\.enabled: /);
    // Then the rules across fields, the config file's provider rule among them, in the config file's words.
    const rules = refusal(() =>
      control.update(ADMIN, {
        models: [
          {
            name: "chat",
            deployments: [
              { provider: "cloud", model: "gpt-4o" },
              { provider: "nope", model: "m" },
            ],
            fallbacks: ["missing"],
          },
        ],
      }),
    );
    expect(rules.code).toBe("invalid_request");
    expect(rules.message).toMatch(/- models\[0\]\.fallbacks\[0\]: fallback "missing" is not a routed model/);
    expect(rules.message).toMatch(/- models\[0\]\.deployments\[1\]\.provider: no provider is named "nope"/);
    expect(refusal(() => control.update(ADMIN, undefined)).code).toBe("invalid_request");

    expect(table.current()).toBe(before);
    expect(applied).toEqual([]);
    expect(table.model("big")).toBeDefined();
    expect(planner.explain(chat("hi", { model: "chat" })).decision.strategy).toBe("latency");
  });

  it("puts a good update in force, keeping live statistics by deployment id", () => {
    const { control, table, live, made, applied } = setup();
    const gpu = live("gpu");
    Object.assign(gpu.stats, { attempts: 9, failures: 2, latencyMs: 120 });
    const breaker = made.breakers.find((b) => b.id === "gpu");
    if (breaker === undefined) throw new Error("no breaker for gpu");
    breaker.state = "open";

    const now = control.update(ADMIN, {
      strategy: "cost",
      retry: { max_attempts: 5 },
      models: [
        {
          name: "chat",
          deployments: [
            { provider: "cloud", model: "gpt-4o-mini" },
            { id: "gpu", provider: "local", model: "llama-8b", max_concurrency: 2, max_queue: 3, weight: 4 },
          ],
        },
      ],
    });
    expect(now).toMatchObject({ strategy: "cost", retry: { max_attempts: 5, base_delay_ms: 100 } });
    expect(applied).toHaveLength(1);
    expect(applied[0]?.retry.max_attempts).toBe(5);
    expect(table.model("big")).toBeUndefined();
    expect(table.model("chat")?.strategy.name).toBe("cost");

    // Same id, same live state: statistics, breaker and queue carry over; the new settings apply.
    expect(live("gpu")).toBe(gpu);
    const views = control.deployments(USER);
    expect(views.map((d) => d.id)).toEqual(["cloud:gpt-4o-mini", "gpu"]);
    expect(views[1]).toMatchObject({
      attempts: 9,
      failures: 2,
      latencyEwmaMs: 120,
      breaker: "open",
      weight: 4,
    });
    // An open breaker sends the gpu last, whatever the strategy says.
    const explained = control.explain(USER, chat("hi", { model: "chat" }), false);
    expect(explained.serving?.id).toBe("cloud:gpt-4o-mini");
    expect(explained.candidates.find((c) => c.id === "gpu")?.reason).toMatch(/breaker open/);
  });

  it("shows each deployment's settings and live state", () => {
    const { control, live, made } = setup();
    const gpu = live("gpu");
    Object.assign(gpu.stats, { inFlight: 2, ttftMs: 40, interTokenMs: 5 });
    const queue = made.queues.find((q) => q.id === "gpu");
    if (queue === undefined) throw new Error("no queue for gpu");
    queue.depth = 3;
    Object.assign(live("other:claude-sonnet-4").health, { healthy: false, reason: "2 health probes failed" });
    const [g, gpt, claude] = control.deployments(ADMIN);
    expect(g).toEqual({
      id: "gpu",
      models: ["chat"],
      provider: "local",
      upstreamModel: "llama-8b",
      healthy: true,
      healthReason: "",
      breaker: "closed",
      inFlight: 2,
      queueDepth: 3,
      latencyEwmaMs: 0,
      ttftEwmaMs: 40,
      interTokenEwmaMs: 5,
      attempts: 0,
      failures: 0,
      weight: 1,
      priority: 0,
      tags: ["local"],
      maxConcurrency: 2,
      maxQueue: 3,
      local: true,
    });
    // One deployment listed by two models, with the first listing's settings.
    expect(gpt).toMatchObject({ models: ["chat", "big"], priority: 1, weight: 2, maxConcurrency: undefined });
    expect(gpt?.maxQueue).toBe(0);
    expect(claude).toMatchObject({ healthy: false, healthReason: "2 health probes failed", local: false });
    expect(setup({ ...ROUTING, breaker: { enabled: false } }).control.deployments(ADMIN)[0]?.breaker).toBe(
      undefined,
    );
  });

  it("gives the config in force as a copy, with defaults filled in", () => {
    const { control, table } = setup();
    const config = control.config(USER);
    expect(config).toEqual(JSON.parse(JSON.stringify(table.current())));
    expect(config).toMatchObject({
      breaker: { enabled: true, consecutive_failures: 5 },
      virtual: { pool: [] },
    });
    (config.models as unknown[]).length = 0;
    expect(table.current().models).toHaveLength(2);
  });

  it("refuses to explain a request the real path would refuse as malformed", () => {
    const { control } = setup();
    const empty = chat("hi", { model: "chat" });
    empty.messages = [];
    expect(refusal(() => control.explain(USER, empty, false)).code).toBe("invalid_request");
  });
});

describe("the SDK's RoutingConfigJson", () => {
  it("has the routing schema's input shape, and takes what the schema puts out", () => {
    // Checked by the compiler: either side changing alone fails `npm run typecheck`.
    type Input = z.input<typeof routingSchema>;
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    const same: Same<RoutingConfigJson, Input> = true;
    const parsed: RoutingConfigJson = routingSchema.parse(ROUTING);
    expect(same).toBe(true);
    expect(parsed.models?.[0]?.deployments[0]?.queue_timeout_ms).toBe(30_000);
  });
});
