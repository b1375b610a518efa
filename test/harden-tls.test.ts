import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { connect as h2connect } from "node:http2";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import OpenAI from "openai";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * `tls: {cert, key}`: HTTPS on the one port, ALPN choosing h2 (gRPC, HTTP/2
 * REST) or http/1.1, HSTS on every answer, and a renewed certificate taken up
 * without a restart. The certificates are made here with openssl.
 */

const KEY = "sk-tls-test-key-1";
const dir = mkdtempSync(join(tmpdir(), "llmgw-tls-"));
const certFile = join(dir, "cert.pem");
const keyFile = join(dir, "key.pem");

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, written atomically as cert-manager does. */
function makeCertificate(commonName: string): Buffer {
  const cert = join(dir, `${commonName}.cert.pem`);
  const key = join(dir, `${commonName}.key.pem`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      `/CN=${commonName}`,
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    { stdio: "ignore" },
  );
  renameSync(key, keyFile);
  renameSync(cert, certFile);
  return readFileSync(certFile);
}

/** The one method of the proto-loader ModelsService client this suite calls. */
interface ModelsClient {
  ListModels(
    request: object,
    metadata: Metadata,
    callback: (error: ServiceError | null, response: { models: Array<{ id: string }> }) => void,
  ): void;
  close(): void;
}

let ca: Buffer;
let gw: TestGateway;
beforeAll(async () => {
  ca = makeCertificate("first");
  gw = await startTestGateway({
    config: {
      keys: [{ name: "app", key: KEY }],
      tls: { cert: certFile, key: keyFile, watch_interval_ms: 100 },
    },
  });
});
afterAll(async () => {
  await gw.close();
});

/** The certificate a new TLS connection to the gateway is shown, and the protocol ALPN chose. */
function handshake(alpn: string[]): Promise<{ cn: string; protocol: string | false }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: "127.0.0.1", port: gw.port, ALPNProtocols: alpn, rejectUnauthorized: false },
      () => {
        const cn = String(socket.getPeerCertificate().subject?.CN);
        resolve({ cn, protocol: socket.alpnProtocol ?? false });
        socket.destroy();
      },
    );
    socket.on("error", reject);
  });
}

describe("TLS on the one port", () => {
  it("serves https and negotiates h2 or http/1.1 by ALPN", async () => {
    expect(gw.url).toMatch(/^https:\/\//);
    expect((await handshake(["h2", "http/1.1"])).protocol).toBe("h2");
    expect((await handshake(["http/1.1"])).protocol).toBe("http/1.1");
  });

  it("answers the openai SDK over https, with HSTS", async () => {
    const dispatcher = new Agent({ connect: { ca } });
    const client = new OpenAI({
      apiKey: KEY,
      baseURL: `${gw.url}/v1`,
      maxRetries: 0,
      fetch: undiciFetch as unknown as typeof fetch,
      fetchOptions: { dispatcher },
    });
    const { data, response } = await client.chat.completions
      .create({ model: "mock:mock-small", messages: [{ role: "user", content: "hello over tls" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    const stream = await client.chat.completions.create({
      model: "mock:mock-small",
      messages: [{ role: "user", content: "stream over tls" }],
      stream: true,
    });
    let finish: string | null | undefined;
    for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
    expect(finish).toBe("stop");
    await dispatcher.close();
  });

  it("serves @grpc/grpc-js over TLS", async () => {
    const definition = loadSync(["llmgw/v1/models.proto"], {
      includeDirs: [join(import.meta.dirname, "..", "proto")],
      defaults: true,
    });
    const v1 = (loadPackageDefinition(definition).llmgw as GrpcObject).v1 as GrpcObject;
    const Models = v1.ModelsService as ServiceClientConstructor;
    const client = new Models(`127.0.0.1:${gw.port}`, credentials.createSsl(ca)) as unknown as ModelsClient;
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${KEY}`);
    const models = await new Promise<{ models: Array<{ id: string }> }>((resolve, reject) =>
      client.ListModels(
        {},
        metadata,
        (error: ServiceError | null, response: { models: Array<{ id: string }> }) =>
          error ? reject(error) : resolve(response),
      ),
    );
    client.close();
    expect(models.models.map((m) => m.id)).toContain("mock:mock-small");
  });

  it("refuses a cleartext caller on the TLS port without harming it", async () => {
    const res = await fetch(`http://127.0.0.1:${gw.port}/health`).catch((e: unknown) => e);
    expect(res).toBeInstanceOf(Error);
    const https = await new Promise<number | undefined>((resolve, reject) =>
      httpsRequest(`${gw.url}/health`, { ca }, (r) => {
        r.resume();
        resolve(r.statusCode);
      })
        .on("error", reject)
        .end(),
    );
    expect(https).toBe(200);
  });

  it("takes up a renewed certificate without a restart, while a connection open before keeps working", async () => {
    const before = h2connect(gw.url, { ca });
    expect((await handshake(["h2"])).cn).toBe("first");
    const renewed = makeCertificate("second");
    let seen = "first";
    for (let i = 0; i < 100 && seen === "first"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = (await handshake(["h2"])).cn;
    }
    expect(seen).toBe("second");
    // The old session still serves; a new client trusting only the new certificate is served too.
    const status = await new Promise((resolve, reject) => {
      const stream = before.request({ ":path": "/health" });
      stream.on("response", (headers) => resolve(headers[":status"]));
      stream.on("error", reject);
      stream.end();
    });
    expect(status).toBe(200);
    before.close();
    const fresh = await new Promise<number | undefined>((resolve, reject) =>
      httpsRequest(`${gw.url}/health`, { ca: renewed }, (r) => {
        r.resume();
        resolve(r.statusCode);
      })
        .on("error", reject)
        .end(),
    );
    expect(fresh).toBe(200);
  });

  it("keeps serving the old certificate when the changed files do not load", async () => {
    const current = (await handshake(["h2"])).cn;
    writeFileSync(keyFile, "not a key");
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await handshake(["h2"])).cn).toBe(current);
    expect((await handshake(["http/1.1"])).protocol).toBe("http/1.1");
  });
});
