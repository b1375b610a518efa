import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import type { Call, RawRequest } from "../../core/call.ts";
import type { Answer } from "../../core/chain.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { BodyReader, UpstreamBody } from "../../providers/dispatch-stream.ts";
import type { ByteSink, RawBody } from "../../providers/passthrough/passthrough.ts";
import type { PassthroughApi } from "../../providers/passthrough/raw-request.ts";
import { UsageTap } from "../../providers/passthrough/usage-tap.ts";
import { upstreamHttpError, upstreamNetworkError } from "../../providers/upstream-error.ts";
import type { Deployment } from "../deployment.ts";
import type { AttemptRun } from "./attempt-run.ts";
import { gapTimeout } from "./gated-stream.ts";

/**
 * One pass-through attempt: the caller's bytes to the deployment's provider
 * through its adapter's pass-through ability. The commit point is the
 * upstream's response headers: a failure before them (refused, timed out,
 * a private address) rejects the attempt, so the call may be retried or
 * fall back; from them on, the answer is the caller's, whatever its status.
 * A non-2xx status travels as the answer's `error`, for accounting and for
 * the breaker; the caller gets the upstream's own bytes.
 */
export async function forwardOn(
  call: Call,
  raw: RawRequest,
  deployment: Deployment,
  run: AttemptRun,
): Promise<Answer> {
  const ability = deployment.adapter.passthrough;
  if (ability === undefined || ability.api !== raw.api) {
    throw new GatewayError(
      "internal",
      `deployment ${deployment.id} cannot pass through ${raw.api} requests; the plan should not have held it`,
    );
  }
  const response = await ability.forward(raw, run);
  if (!call.stream) run.responseStarted();
  const status = response.status;
  const retryAfter = response.headers["retry-after"];
  const error =
    status >= 300
      ? upstreamHttpError(
          deployment.provider,
          status,
          "",
          typeof retryAfter === "string" ? retryAfter : undefined,
        )
      : undefined;
  return {
    kind: "raw",
    status,
    headers: response.headers,
    error,
    body: new RawPassage(response.body, run, raw.api, call.stream, error),
  };
}

/**
 * The attempt's side of a pass-through body, the raw twin of GatedStream:
 * each chunk goes on as it came, then past the usage tap; a stream's gap
 * between chunks is bounded by the deployment's inter-token timeout; and
 * the attempt is settled (slot, breaker, statistics) when the body is over.
 */
class RawPassage implements RawBody, BodyReader {
  readonly #body: UpstreamBody;
  readonly #run: AttemptRun;
  readonly #tap: UsageTap;
  readonly #stream: boolean;
  readonly #status: GatewayError | undefined;
  #sink: ByteSink | undefined;
  #gap: NodeJS.Timeout | undefined;
  #done = false;

  constructor(
    body: UpstreamBody,
    run: AttemptRun,
    api: PassthroughApi,
    stream: boolean,
    status: GatewayError | undefined,
  ) {
    this.#body = body;
    this.#run = run;
    this.#tap = new UsageTap(api);
    this.#stream = stream;
    this.#status = status;
  }

  get usage(): TokenUsage | undefined {
    return this.#tap.usage;
  }

  start(sink: ByteSink): void {
    this.#sink = sink;
    if (this.#stream) this.#gap = setTimeout(this.#gapTimedOut, this.#run.deployment.timeouts.interTokenMs);
    this.#body.read(this);
  }

  pause(): void {
    this.#body.pause();
  }

  resume(): void {
    this.#body.resume();
  }

  cancel(reason: Error): void {
    if (this.#done) return;
    this.#body.destroy(reason);
    this.#close(GatewayError.from(reason));
  }

  /** @private The upstream body's reader side. */
  chunk(bytes: Buffer): void {
    if (this.#done) return;
    if (this.#stream) {
      this.#gap?.refresh();
      this.#run.tokenArrived();
    }
    (this.#sink as ByteSink).chunk(bytes);
    this.#tap.feed(bytes);
  }

  /** @private */
  end(error: Error | undefined): void {
    if (this.#done) return;
    const sink = this.#sink as ByteSink;
    if (error === undefined) {
      this.#close(this.#status);
      sink.end();
      return;
    }
    const failure = upstreamNetworkError(this.#run.deployment.provider, error, this.#run.signal);
    this.#close(failure);
    sink.fail(failure);
  }

  #close(error: GatewayError | undefined): void {
    this.#done = true;
    clearTimeout(this.#gap);
    this.#run.settle(error);
  }

  readonly #gapTimedOut = (): void => {
    this.#run.abort(gapTimeout(this.#run.deployment));
  };
}
