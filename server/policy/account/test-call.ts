import { type Call, createCall } from "../../core/call.ts";

/**
 * @private For the account policies' unit tests: a chat call on the openai
 * surface, authenticated as `alice` with `credential`, that names `model`.
 */
export function testCall(model: string, credential = "sk-test-credential"): Call {
  const call = createCall({
    requestId: "req-1",
    surface: "openai",
    signal: new AbortController().signal,
    startedAt: performance.now(),
    deadline: Number.POSITIVE_INFINITY,
    credential,
    op: "chat",
    stream: false,
  });
  call.chat = { model } as never;
  call.key = { name: "alice", admin: false, priority: 0, team: "" };
  return call;
}
