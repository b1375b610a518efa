import { expect } from "vitest";
import type { TestGateway } from "./start-gateway.ts";

/**
 * What the other-language clients (test/python-grpc-client.py,
 * test/go-grpc-client.go) print: the unary answer, the streamed pieces, and
 * the status a wrong key got, in their language's spelling.
 */
export interface ChatClientAnswer {
  readonly complete: { text: string; finish: string; completion_tokens: number; provider: string };
  readonly stream: { pieces: string[]; finish: string; completion_tokens: number; provider: string };
  readonly wrong_key: string;
}

/**
 * Checks a client's answer against the mock upstream's default reply (16
 * tokens of lorem ipsum), and that both of its calls reached the upstream
 * with the prompt the client sent.
 */
export function expectChatAnswer(
  gw: TestGateway,
  stdout: string,
  prompt: string,
  unauthenticated: string,
): void {
  const answer = JSON.parse(stdout) as ChatClientAnswer;
  const served = { finish: "FINISH_REASON_STOP", completion_tokens: 16, provider: "mock" };
  expect(answer.complete).toEqual({ text: expect.stringMatching(/^lorem ipsum/), ...served });
  // The stream arrives piece by piece and adds up to the unary answer.
  expect(answer.stream.pieces.length).toBe(16);
  expect(answer.stream.pieces.join("")).toBe(answer.complete.text);
  expect(answer.stream).toMatchObject(served);
  expect(answer.wrong_key).toBe(unauthenticated);
  const prompts = gw.mock.requests.map((r) => JSON.stringify(r.body) ?? "");
  expect(prompts.filter((p) => p.includes(prompt))).toHaveLength(2);
}
