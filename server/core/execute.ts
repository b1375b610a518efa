import { GatewayError } from "../errors/gateway-error.ts";
import type { Call } from "./call.ts";
import { type Attempt, type AttemptPolicy, compose, type Next } from "./chain.ts";
import { embedOnRoute } from "./embed.ts";

/**
 * One attempt on one deployment: the adapter call for the operation. This is
 * the innermost step; attempt policies (queue, breaker, retry) wrap it.
 */
const attempt: Attempt = async (call, deployment) => {
  call.served = deployment;
  call.attempts++;
  if (call.op === "embed") {
    return { kind: "embed", response: await embedOnRoute(deployment, decoded(call.embed), call) };
  }
  const chat = decoded(call.chat);
  if (call.stream) {
    return { kind: "stream", events: await deployment.adapter.stream(chat, deployment.model, call) };
  }
  return { kind: "complete", response: await deployment.adapter.complete(chat, deployment.model, call) };
};

/**
 * The terminal of the policy chain: runs the call on its plan's deployment
 * through the attempt policies, composed once here.
 */
export function execute(attemptPolicies: ReadonlyArray<AttemptPolicy | undefined>): Next {
  const run = compose(attemptPolicies, attempt);
  return (call: Call) => {
    const deployment = call.plan?.deployments[0];
    if (deployment === undefined)
      throw new GatewayError("internal", "the call reached execution without a route");
    return run(call, deployment);
  };
}

function decoded<T>(request: T | undefined): T {
  if (request === undefined) throw new GatewayError("internal", "the call reached execution undecoded");
  return request;
}
