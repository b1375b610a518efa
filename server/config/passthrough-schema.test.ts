import { describe, expect, it } from "vitest";
import { parseConfig } from "./load-config.ts";

const PROVIDERS = [
  { name: "claude", type: "anthropic", base_url: "https://api.anthropic.com/v1" },
  { name: "oai", type: "openai" },
  { name: "local", type: "vllm", base_url: "http://127.0.0.1:8000/v1" },
  { name: "llama", type: "ollama" },
];

function passthrough(section: unknown) {
  return parseConfig({ providers: PROVIDERS, passthrough: section });
}

describe("the passthrough section", () => {
  it("defaults each prefix to its API under the mount", () => {
    const config = passthrough({
      mount: "/llm-gateway",
      routes: [{ api: "anthropic" }, { api: "openai", prefix: "/oai", allow_private: true }],
    });
    expect(config.passthrough).toEqual({
      mount: "/llm-gateway",
      routes: [
        { api: "anthropic", prefix: "/anthropic", forward_caller_key: false, allow_private: false },
        { api: "openai", prefix: "/oai", forward_caller_key: false, allow_private: true },
      ],
    });
  });

  it.each([
    [{ mount: "llm", routes: [{ api: "anthropic" }] }, "passthrough.mount"],
    [{ mount: "/a/../b", routes: [{ api: "anthropic" }] }, "passthrough.mount"],
    [{ routes: [] }, "passthrough.routes: list at least one route"],
    [{ routes: [{ api: "ollama" }] }, "passthrough.routes[0].api"],
    [{ routes: [{ api: "anthropic", prefix: "/a/" }] }, "passthrough.routes[0].prefix"],
    [
      { routes: [{ api: "anthropic", provider: "nobody" }] },
      'passthrough.routes[0].provider: no provider is named "nobody"',
    ],
    [{ routes: [{ api: "anthropic", provider: "oai" }] }, "does not speak the anthropic API"],
    [{ routes: [{ api: "gemini" }] }, "passthrough.routes[0].api: no provider speaks the gemini API"],
    [{ routes: [{ api: "anthropic", prefix: "/v1" }] }, "would shadow the gateway's own /v1 routes"],
    [
      { routes: [{ api: "anthropic" }, { api: "anthropic" }] },
      "passthrough.routes[1].prefix: /anthropic is served by two routes",
    ],
    [
      { routes: [{ api: "openai" }] },
      'passthrough.routes[0].allow_private: provider "local" is at the private address 127.0.0.1',
    ],
    [{ routes: [{ api: "anthropic", extra: 1 }] }, "passthrough.routes[0]"],
  ])("refuses %j, naming %s", (section, message) => {
    expect(() => passthrough(section)).toThrow(message);
  });

  it("lets a pinned public provider pass without allow_private, though its family has a private one", () => {
    expect(() => passthrough({ routes: [{ api: "openai", provider: "oai" }] })).not.toThrow();
  });
});
