import { create, type DescMethod, type DescService, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { credentials, Client as GrpcClient, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey, ErrorDetailSchema } from "../sdk/index.ts";
import { ACCESS, ACCESS_CONFIG, ADMIN_KEY, OWNER_FIELD, USER_KEY } from "./harness/rpc-access.ts";
import { generatedServices, methodName } from "./harness/rpc-catalogue.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * A key that is not an admin key is refused every admin RPC, over Connect and
 * over gRPC, whatever a UI shows or hides; and every admin REST route answers
 * it 403 in the OpenAI error format. Every method in gen/ must be classified
 * in harness/rpc-access.ts, so a new RPC cannot slip in unclassified.
 */

const ADMIN = ADMIN_KEY;
const USER = USER_KEY;

const services = await generatedServices();
const methods = services.flatMap((s) => s.methods);
const byAccess = (access: string) => methods.filter((m) => ACCESS[methodName(m)] === access);

/** What one call ended with: a status code (Code.Ok's 0 for a success) and the gateway's error code. */
interface Ending {
  readonly code: Code;
  readonly detail?: string;
}

/** A request for `method`: empty, or naming another key's data for an `own` method. */
function request(method: DescMethod, other?: string) {
  const field = OWNER_FIELD[methodName(method)];
  return create(method.input, field !== undefined && other !== undefined ? { [field]: other } : {});
}

/** Calls one method with a connect-node client, reading a stream until it ends. */
async function callConnect(transport: Transport, method: DescMethod, other?: string): Promise<Ending> {
  const client = createClient(method.parent, transport) as unknown as Record<
    string,
    (req: unknown, options: { timeoutMs: number }) => unknown
  >;
  const call = client[method.localName];
  if (call === undefined) throw new Error(`no client method for ${methodName(method)}`);
  try {
    // A live feed (WatchUsage) that was let in stays open: the deadline ends it.
    const answer = call(request(method, other), { timeoutMs: 1500 });
    if (method.methodKind === "server_streaming") {
      for await (const _ of answer as AsyncIterable<unknown>) break;
    } else await answer;
    return { code: 0 as Code };
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, detail: e.findDetails(ErrorDetailSchema)[0]?.code };
  }
}

/** Calls one method with @grpc/grpc-js, which knows nothing of Connect, over HTTP/2. */
function callGrpc(client: GrpcClient, key: string, method: DescMethod, other?: string): Promise<Ending> {
  const path = `/${methodName(method)}`;
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${key}`);
  const serialize = (value: unknown) =>
    Buffer.from(toBinary(method.input, value as ReturnType<typeof request>));
  const deserialize = (bytes: Buffer) => fromBinary(method.output, bytes);
  const deadline = Date.now() + 1500;
  return new Promise((resolve) => {
    const ended = (error: ServiceError | null) =>
      resolve(
        error === null
          ? { code: 0 as Code }
          : { code: error.code as number as Code, detail: grpcDetail(error) },
      );
    if (method.methodKind === "server_streaming") {
      const stream = client.makeServerStreamRequest(
        path,
        serialize,
        deserialize,
        request(method, other),
        metadata,
        {
          deadline,
        },
      );
      stream.on("data", () => {
        stream.cancel();
        resolve({ code: 0 as Code });
      });
      stream.on("error", (error: ServiceError) => ended(error));
      stream.on("end", () => ended(null));
    } else {
      client.makeUnaryRequest(
        path,
        serialize,
        deserialize,
        request(method, other),
        metadata,
        { deadline },
        ended,
      );
    }
  });
}

/** The gateway's error code, from the `grpc-status-details-bin` trailer. */
function grpcDetail(error: ServiceError): string | undefined {
  const bin = error.metadata?.get("grpc-status-details-bin")[0];
  if (bin === undefined) return undefined;
  return decodeStatusDetail(bin as Buffer);
}

describe("admin RPCs and routes, with a key that is not an admin key", () => {
  let gw: TestGateway;
  let grpc: GrpcClient;
  const served = new Set<string>();
  const connect = (key: string) =>
    createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1", interceptors: [apiKey(key)] });

  beforeAll(async () => {
    gw = await startTestGateway({ config: ACCESS_CONFIG });
    grpc = new GrpcClient(`127.0.0.1:${gw.port}`, credentials.createInsecure());
    // A service the gateway does not serve at all (not registered yet) answers Unimplemented to any method.
    for (const service of services) {
      const first = service.methods[0];
      if (first === undefined) continue;
      const ending = await callConnect(connect(ADMIN), first);
      if (ending.code !== Code.Unimplemented) served.add(service.typeName);
    }
  });
  afterAll(async () => {
    grpc?.close();
    await gw?.close();
  });

  it("finds every generated method classified, and no classification for a method that is gone", () => {
    expect(methods.length).toBeGreaterThan(30);
    const unclassified = methods.map(methodName).filter((name) => ACCESS[name] === undefined);
    expect(unclassified, "classify these in test/harness/rpc-access.ts").toEqual([]);
    const known = new Set(methods.map(methodName));
    expect(Object.keys(ACCESS).filter((name) => !known.has(name))).toEqual([]);
    for (const name of Object.keys(OWNER_FIELD)) expect(ACCESS[name]).toBe("own");
  });

  const skipUnserved = (service: DescService, skip: () => void) => {
    // Only while a service exists in proto but is not wired into the gateway yet.
    if (!served.has(service.typeName)) skip();
  };

  describe.each(byAccess("admin"))("$parent.name/$name (admin only)", (method) => {
    it("is refused over Connect with PermissionDenied and the gateway's error code", async (ctx) => {
      skipUnserved(method.parent, ctx.skip);
      expect(await callConnect(connect(USER), method)).toEqual({
        code: Code.PermissionDenied,
        detail: "permission_denied",
      });
    });

    it("is refused over gRPC (grpc-js) with PERMISSION_DENIED", async (ctx) => {
      skipUnserved(method.parent, ctx.skip);
      expect(await callGrpc(grpc, USER, method)).toEqual({
        code: status.PERMISSION_DENIED,
        detail: "permission_denied",
      });
    });

    it("is not refused to an admin key (the refusal is about the key, not the request)", async (ctx) => {
      skipUnserved(method.parent, ctx.skip);
      const ending = await callConnect(connect(ADMIN), method);
      expect(ending.code).not.toBe(Code.PermissionDenied);
      expect(ending.code).not.toBe(Code.Unauthenticated);
    });
  });

  describe.each(byAccess("own"))("$parent.name/$name (own data)", (method) => {
    it("refuses another key's data over Connect and gRPC", async (ctx) => {
      skipUnserved(method.parent, ctx.skip);
      const refused = { code: Code.PermissionDenied, detail: "permission_denied" };
      expect(await callConnect(connect(USER), method, "ops")).toEqual(refused);
      expect(await callGrpc(grpc, USER, method, "ops")).toEqual({
        ...refused,
        code: status.PERMISSION_DENIED,
      });
    });

    it("lets the key read its own, and an admin read another's", async (ctx) => {
      skipUnserved(method.parent, ctx.skip);
      expect((await callConnect(connect(USER), method, "app")).code).not.toBe(Code.PermissionDenied);
      expect((await callConnect(connect(ADMIN), method, "app")).code).not.toBe(Code.PermissionDenied);
    });
  });

  describe.each(byAccess("any"))("$parent.name/$name (any key)", (method) => {
    it("is not refused to a key that is not an admin key", async (ctx) => {
      skipUnserved(method.parent, ctx.skip);
      const ending = await callConnect(connect(USER), method);
      expect(ending.code).not.toBe(Code.PermissionDenied);
      expect(ending.code).not.toBe(Code.Unauthenticated);
    });
  });

  describe("REST", () => {
    const get = (path: string, key = USER) =>
      fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

    it.each([
      ["another key's usage", "/v1/usage?key=ops"],
      ["the audit log's export", "/v1/audit/export"],
    ])("refuses %s with 403 in the OpenAI error format", async (_what, path) => {
      const res = await get(path);
      expect(res.status).toBe(403);
      const body = (await res.json()) as { error: { type: string; code: string; message: string } };
      expect(body.error).toMatchObject({ code: "permission_denied" });
      expect(body.error.message).toMatch(/admin/);
      const admin = await get(path, ADMIN);
      expect(admin.status).toBe(200);
      await admin.arrayBuffer();
    });

    it("has no Ollama model-management routes to reach the upstream through, for any key", async () => {
      gw.mock.reset();
      for (const path of ["/api/pull", "/api/push", "/api/create", "/api/copy", "/api/delete"]) {
        for (const key of [USER, ADMIN]) {
          const res = await fetch(`${gw.url}${path}`, {
            method: path === "/api/delete" ? "DELETE" : "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({ model: "mock-small", name: "mock-small", source: "a", destination: "b" }),
          });
          expect(res.status, path).toBe(404);
          // Ollama's error shape: { error: "..." }.
          expect(typeof ((await res.json()) as { error: unknown }).error).toBe("string");
        }
      }
      expect(gw.mock.requests).toEqual([]);
    });

    it("gives a key that is not an admin key only its own usage rows", async () => {
      const res = await get("/v1/usage");
      expect(res.status).toBe(200);
      const { data } = (await res.json()) as { data: Array<{ key: string }> };
      for (const row of data) expect(row.key).toBe("app");
    });
  });
});

/** The `code` of the first ErrorDetail inside a serialized google.rpc.Status (details = 3, each an Any). */
function decodeStatusDetail(bytes: Uint8Array): string | undefined {
  const any = lengthDelimited(bytes, 3);
  const value = any === undefined ? undefined : lengthDelimited(any, 2); // Any.value
  return value === undefined ? undefined : fromBinary(ErrorDetailSchema, value).code;
}

/** The first length-delimited field numbered `n` of a message. */
function lengthDelimited(bytes: Uint8Array, n: number): Uint8Array | undefined {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, wire] = reader.tag();
    if (no === n && wire === WireType.LengthDelimited) return reader.bytes();
    reader.skip(wire, no);
  }
  return undefined;
}
