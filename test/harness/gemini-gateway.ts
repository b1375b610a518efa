import { beforeEach } from "vitest";
import { useTestGateway } from "./gateway-hooks.ts";
import type { TestGateway } from "./start-gateway.ts";

/** The model the OpenAI-compatible backend serves, and the one the Gemini backend serves. */
export const OPENAI_MODEL = "mock-small";
export const GEMINI_MODEL = "gemini-test";

/**
 * A Gemini-surface file's gateway: one caller key, an OpenAI-compatible
 * provider `mock` and a Gemini provider `gem` (the mock upstream speaks both),
 * with the mock's recorded requests forgotten before each test.
 */
export function useGeminiGateway(keyName: string, key: string, ready: (gw: TestGateway) => void): void {
  let gw: TestGateway | undefined;
  useTestGateway(
    {
      mock: { models: [OPENAI_MODEL, GEMINI_MODEL] },
      config: (mockUrl) => ({
        keys: [{ name: keyName, key }],
        providers: [
          { name: "mock", base_url: `${mockUrl}/v1`, models: [OPENAI_MODEL], discover: false },
          {
            name: "gem",
            type: "gemini",
            base_url: `${mockUrl}/v1beta`,
            api_key: "upstream-gemini-key",
            models: [GEMINI_MODEL],
            discover: false,
          },
        ],
      }),
    },
    (started) => {
      gw = started;
      ready(started);
    },
  );
  beforeEach(() => {
    gw?.mock.reset();
  });
}
