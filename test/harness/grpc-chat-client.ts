import { join } from "node:path";
import {
  type CallOptions,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type Metadata,
  type ServiceClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

/** ChatService/Complete as @grpc/grpc-js calls it, on proto-loader's plain objects (enums and int64 as strings). */
export interface GrpcChatClient {
  Complete(
    request: object,
    metadata: Metadata,
    options: CallOptions,
    callback: (error: ServiceError | null, response?: unknown) => void,
  ): void;
  close(): void;
}

/** A grpc-js ChatService client over h2c to `address` (`host:port`), loaded from the repository's protos. */
export function grpcChatClient(address: string): GrpcChatClient {
  const definition = loadSync(["llmgw/v1/chat.proto"], {
    includeDirs: [join(import.meta.dirname, "..", "..", "proto")],
    enums: String,
    longs: String,
    oneofs: true,
  });
  const v1 = (loadPackageDefinition(definition).llmgw as GrpcObject).v1 as GrpcObject;
  const Chat = v1.ChatService as ServiceClientConstructor;
  return new Chat(address, credentials.createInsecure()) as unknown as GrpcChatClient;
}
