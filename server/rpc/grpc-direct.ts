import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { create, type DescMethod, type DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createServiceImplSpec,
  type HandlerContext,
  type MethodImplSpec,
} from "@connectrpc/connect";
import {
  createMethodSerializationLookup,
  createMethodUrl,
  type Serialization,
  validateReadWriteMaxBytes,
} from "@connectrpc/connect/protocol";
import {
  contentTypeProto,
  grpcStatusOk,
  parseTimeout,
  setTrailerStatus,
} from "@connectrpc/connect/protocol-grpc";
import { type StreamResponse, StreamResponseSchema } from "../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import { writableOrGone } from "../http/client-gone.ts";
import { BODY_TIMEOUT, readBody } from "../http/read-body.ts";
import { toConnectError } from "./connect-error.ts";
import { CALL_COMPLETED, directContext } from "./direct-context.ts";
import { MAX_TIMEOUT_MS } from "./max-timeout.ts";
import { textDeltaFrame } from "./text-delta-frame.ts";

/** A unary or server-streaming method, with connect's own binary codec (and its readMaxBytes check). */
interface DirectMethod {
  readonly spec: MethodImplSpec;
  readonly input: Serialization<unknown>;
  readonly output: Serialization<unknown>;
  /** The longest `grpc-timeout` taken, from the service's options as Connect's router reads them. */
  readonly maxTimeoutMs: number;
}

type ServiceArgs = Parameters<ConnectRouter["service"]>;

/** Connect's request gate: runs once the headers are in, before the body is read. */
export type RequestGate = (ctx: HandlerContext) => void | Promise<void>;

/** A message announcing more than the limit (4 GB, say) is refused on its first five bytes. */
const ANNOUNCED = { bytes: 5, size: (head: Buffer) => 5 + head.readUInt32BE(1) };

/** A gRPC message header: one flags byte, then the length as a big-endian uint32. */
const HEADER_BYTES = 5;

/**
 * Serves binary gRPC over HTTP/2 (`application/grpc`, `application/grpc+proto`, uncompressed requests)
 * for unary and server-streaming methods, calling the same service implementations that Connect's
 * router holds, with Connect's own handler context, timeout parser, codec and trailer encoder.
 *
 * Why: connect-node turns every request into a universal request (web `Headers`, an async-iterable
 * body, a linked AbortController that builds a DOMException when the call ends) and runs it through a
 * pipeline of async-generator transforms; for the gateway's short unary calls that machinery cost
 * about twice the CPU of the whole REST path. Here a request is one buffer in, one `fromBinary`, one
 * `toBinary`, one write. Everything else (gRPC-Web, Connect, gRPC+JSON, compressed requests, HTTP/1.1,
 * unknown methods) still goes to connect-node, which stays the reference behaviour.
 */
export class GrpcDirect {
  readonly #methods = new Map<string, DirectMethod>();
  readonly #readMaxBytes: number;
  readonly #writeMaxBytes: number;
  readonly #gate: RequestGate;

  /** `gate` is the same request gate connect-node runs: before the body is read, on every call. */
  constructor(readMaxBytes: number, gate: RequestGate) {
    const limits = validateReadWriteMaxBytes(readMaxBytes, undefined, undefined);
    this.#readMaxBytes = limits.readMaxBytes;
    this.#writeMaxBytes = limits.writeMaxBytes;
    this.#gate = gate;
  }

  /** A router that registers each service with Connect as usual, and records it to be served here too. */
  recording(router: ConnectRouter): ConnectRouter {
    const recorder: ConnectRouter = {
      get handlers() {
        return router.handlers;
      },
      service: ((...[service, impl, options]: ServiceArgs) => {
        this.#add(service, impl, options);
        router.service(service, impl, options);
        return recorder;
      }) as ConnectRouter["service"],
      // A single method registered alone is left to Connect.
      rpc: ((...args: Parameters<ConnectRouter["rpc"]>) => {
        router.rpc(...args);
        return recorder;
      }) as ConnectRouter["rpc"],
    };
    return recorder;
  }

  /** Takes the request when it is binary gRPC over HTTP/2 for a method served here; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.httpVersionMajor !== 2 || req.method !== "POST") return false;
    const type = req.headers["content-type"];
    if (type !== "application/grpc" && type !== "application/grpc+proto") return false;
    const encoding = req.headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    const method = this.#methods.get(req.url ?? "");
    if (method === undefined) return false;
    // #serve answers its own errors; a failure to write the answer can only end the stream.
    this.#serve(method, req, res).catch((error: unknown) => res.destroy(error as Error));
    return true;
  }

  #add(service: DescService, impl: ServiceArgs[1], options: ServiceArgs[2]): void {
    const spec = createServiceImplSpec(service, impl);
    for (const method of service.methods) {
      const methodSpec = spec.methods[method.localName];
      if (methodSpec === undefined) continue;
      if (methodSpec.kind !== "unary" && methodSpec.kind !== "server_streaming") continue;
      const codec = createMethodSerializationLookup(method as never, options?.binaryOptions, undefined, {
        readMaxBytes: this.#readMaxBytes,
        writeMaxBytes: this.#writeMaxBytes,
      });
      this.#methods.set(createMethodUrl("/", method), {
        spec: methodSpec,
        input: codec.getI(true) as Serialization<unknown>,
        output: codec.getO(true) as Serialization<unknown>,
        maxTimeoutMs: options?.maxTimeoutMs ?? MAX_TIMEOUT_MS,
      });
    }
  }

  async #serve(direct: DirectMethod, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = direct.spec.method;
    const timeout = parseTimeout(headerValue(req.headers["grpc-timeout"]), direct.maxTimeoutMs);
    const { ctx: context, abort } = directContext(
      method,
      "grpc",
      `http://${headerValue(req.headers[":authority"]) ?? "localhost"}${req.url ?? ""}`,
      // A timeout refused below arms no timer (one past a timer's range would fire at once).
      timeout.error === undefined ? timeout.timeoutMs : undefined,
      requestHeaders(req),
      { "content-type": contentTypeProto },
      { "grpc-status": grpcStatusOk },
    );
    const state = { finished: false, closed: false };
    // The caller reset the stream or went away: the implementation sees a cancel on ctx.signal.
    res.once("close", () => {
      state.closed = true;
      if (!state.finished) abort(new ConnectError("the caller closed the stream", Code.Canceled));
    });
    // The body deadline answers the caller itself (request_timeout); the call must end with that too.
    req.once(BODY_TIMEOUT, abort);
    let outcome: unknown = CALL_COMPLETED;
    try {
      if (timeout.error) throw timeout.error;
      await this.#gate(context);
      const input = parseInput(
        direct,
        await readBody(req, this.#readMaxBytes + HEADER_BYTES, context.signal, ANNOUNCED),
      );
      if (direct.spec.kind === "unary") {
        const output = await direct.spec.impl(input as never, context);
        writeHead(res, context);
        res.write(frame(direct.output.serialize(create(method.output, output as never))));
      } else {
        await this.#stream(direct, input, context, res, state);
      }
    } catch (error) {
      outcome = error;
      // The gateway's own errors carry their code and ErrorDetail, as on connect-node's path.
      setTrailerStatus(
        context.responseTrailer,
        error instanceof ConnectError || error instanceof GatewayError
          ? toConnectError(error, context)
          : new ConnectError("internal error", Code.Internal, undefined, undefined, error),
      );
    } finally {
      state.finished = true;
      abort(outcome);
    }
    // Closed by the caller, or already answered (a body timeout answers for itself).
    if (state.closed || res.writableEnded) return;
    if (!res.headersSent) writeHead(res, context);
    res.addTrailers(nodeHeaders(context.responseTrailer));
    res.end();
  }

  /** Headers wait for the first message, so an implementation can still set them (as Connect does). */
  async #stream(
    direct: DirectMethod,
    input: unknown,
    ctx: HandlerContext,
    res: ServerResponse,
    state: { readonly closed: boolean },
  ): Promise<void> {
    if (direct.spec.kind !== "server_streaming") return;
    const method = direct.spec.method;
    // ChatService/Stream's text deltas skip the codec's writer (the same bytes, in one buffer).
    const textDeltas = method.output.typeName === StreamResponseSchema.typeName;
    const it = direct.spec.impl(input as never, ctx)[Symbol.asyncIterator]();
    let done = false;
    try {
      for (let next = await it.next(); next.done !== true; next = await it.next()) {
        if (!res.headersSent) writeHead(res, ctx);
        const bytes =
          (textDeltas && textDeltaFrame(next.value as StreamResponse)) ||
          frame(direct.output.serialize(create(method.output, next.value as never)));
        if (!res.write(bytes)) {
          await writableOrGone(res);
        }
        if (state.closed) throw new ConnectError("the caller closed the stream", Code.Canceled);
      }
      done = true;
    } finally {
      // Leaving early must end the generator too, or the upstream call would run on.
      if (!done) await it.return?.();
    }
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

/** The request's headers without HTTP/2 pseudo-headers, as Connect hands them to a handler. */
function requestHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in req.headers) {
    if (name.charCodeAt(0) === 58 /* ":" */) continue;
    const value = headerValue(req.headers[name]);
    if (value !== null) out[name] = value;
  }
  return out;
}

function nodeHeaders(headers: Headers): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function writeHead(res: ServerResponse, ctx: HandlerContext): void {
  res.writeHead(200, nodeHeaders(ctx.responseHeader));
}

function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + message.byteLength);
  out[0] = 0;
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, HEADER_BYTES);
  return out;
}

/**
 * The request message. A binary message that does not parse (invalid UTF-8 in a string, a truncated
 * field) is the caller's malformed request, `InvalidArgument`, where Connect's codec says `Internal`.
 */
function parseInput(direct: DirectMethod, body: Buffer): unknown {
  const message = singleMessage(body, direct.spec.method);
  try {
    return direct.input.parse(message);
  } catch (error) {
    const failure = ConnectError.from(error);
    throw failure.code === Code.Internal
      ? new ConnectError(failure.rawMessage, Code.InvalidArgument)
      : failure;
  }
}

/** The one message of a unary or server-streaming request, with Connect's errors for anything else. */
function singleMessage(body: Buffer, method: DescMethod): Uint8Array {
  const kind = method.methodKind === "unary" ? "unary" : "server-streaming";
  if (body.length === 0) {
    throw new ConnectError(`protocol error: missing input message for ${kind} method`, Code.Unimplemented);
  }
  if (body.length < HEADER_BYTES)
    throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  const length = body.readUInt32BE(1);
  if ((body[0] ?? 0) & 0b1) {
    throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
  }
  const end = HEADER_BYTES + length;
  if (body.length < end) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  if (body.length > end) {
    throw new ConnectError(
      `protocol error: received extra input message for ${kind} method`,
      Code.Unimplemented,
    );
  }
  return body.subarray(HEADER_BYTES, end);
}
