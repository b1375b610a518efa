import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttp2Server, type Http2Server, type Http2Session } from "node:http2";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { bodyDeadline, type SendError } from "../http/body-deadline.ts";

/** The client connection preface every HTTP/2 prior-knowledge connection starts with (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface OnePortOptions {
  /** How long a new connection may take to show its protocol, and a request its headers. */
  readonly headerTimeoutMs: number;
  /** How long an idle keep-alive connection (or HTTP/2 session without streams) stays open. */
  readonly keepAliveTimeoutMs: number;
  /** How long a request may take to send its whole body, once its head has arrived. */
  readonly bodyTimeoutMs: number;
  /** How many streams one HTTP/2 connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
  readonly maxConcurrentStreams: number;
  /** The JSON error body for a request the port itself refuses (a body that came too slowly). */
  readonly sendError: SendError;
  /**
   * Open client connections past which a new one is shed at once: an HTTP/1.1 caller gets a 503
   * with Retry-After, an HTTP/2 one is closed. 0 or absent is no limit.
   */
  readonly maxConnections?: number;
  /** Serve TLS with ALPN (`h2`, then `http/1.1`) instead of cleartext; PEM cert chain and key. */
  readonly tls?: TlsCredentials | undefined;
}

/** A certificate chain and its private key, PEM. */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** What an HTTP/1.1 connection over the connection limit is told before it is closed (OpenAI's error shape). */
const SHED_BODY = JSON.stringify({
  error: {
    message: "the gateway has too many open connections; retry shortly",
    type: "service_unavailable",
    param: null,
    code: "unavailable",
  },
});
const OVER_CONNECTION_LIMIT = Buffer.from(
  "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\nconnection: close\r\n" +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(SHED_BODY)}\r\n\r\n${SHED_BODY}`,
);

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * One cleartext port for HTTP/1.1 and HTTP/2. It reads the first bytes of
 * each connection: the HTTP/2 preface goes to the HTTP/2 server (so gRPC
 * works with prior knowledge), anything else to the HTTP/1.1 server (REST,
 * SSE, gRPC-Web, Connect). Envoy's AUTO codec does the same.
 */
export class OnePortServer {
  readonly #net: NetServer;
  readonly #tls: ReturnType<typeof createTlsServer> | undefined;
  readonly #maxConnections: number;
  readonly #h1: HttpServer;
  readonly #h2: Http2Server;
  readonly #sockets = new Set<Socket>();
  readonly #sessions = new Set<Http2Session>();
  readonly #streams = new Map<Http2Session, number>();
  #draining = false;

  constructor(serve: Handler, options: OnePortOptions) {
    // While draining, HTTP/1.1 responses close their connection so clients reconnect elsewhere.
    const handler: Handler = (req, res) => {
      if (this.#draining && req.httpVersionMajor === 1) res.setHeader("connection", "close");
      bodyDeadline(req, res, options.bodyTimeoutMs, options.sendError);
      res.once("finish", () => {
        if (this.#draining) setImmediate(() => this.#h1.closeIdleConnections());
      });
      serve(req, res);
    };
    this.#h1 = createHttpServer(
      {
        headersTimeout: options.headerTimeoutMs,
        // Node's default checks every 30 s, far coarser than a 10 s header timeout.
        connectionsCheckingInterval: checkEvery(options.headerTimeoutMs),
        // Streams may run for many minutes; the gateway bounds each request itself.
        requestTimeout: 0,
        keepAliveTimeout: options.keepAliveTimeoutMs,
        // Routing never depends on Host, so its absence is not an error (HTTP/2 has none either).
        requireHostHeader: false,
      },
      handler,
    );
    // Node tracks HTTP/1.1 connections, and enforces `headersTimeout` on them, only
    // from the server's 'listening' event: that is where it creates the connection
    // list the parser registers with and starts its `connectionsCheckingInterval`
    // timer. This server never listens (the net server above it does), so without
    // this a request head trickled in a byte at a time stayed open forever, and
    // `closeIdleConnections()` found nothing to close at shutdown. Emitting the event
    // runs exactly the set-up a listening server gets (test/header-timeout.test.ts
    // fails if a Node release moves it); `close()` clears the timer again.
    this.#h1.emit("listening");
    // Node's default allows 2^32-1 streams per connection: one client could open a thousand
    // upstream calls on one socket. Streams over the limit are refused (RST_STREAM
    // REFUSED_STREAM) by the HTTP/2 layer before any handler runs.
    const settings = { maxConcurrentStreams: options.maxConcurrentStreams };
    this.#h2 = createHttp2Server({ settings }, handler as unknown as Parameters<typeof createHttp2Server>[1]);
    this.#h2.on("session", (session) => this.#trackSession(session, options));
    this.#maxConnections = options.maxConnections || Number.POSITIVE_INFINITY;
    // Nagle off: a streamed token must leave at once, not wait ~40 ms for a delayed ACK.
    if (options.tls === undefined) {
      this.#net = createNetServer({ noDelay: true, keepAlive: true }, (socket) =>
        this.#sniff(socket, options.headerTimeoutMs),
      );
    } else {
      // ALPN decides the protocol; the handshake must finish within the header timeout.
      this.#tls = createTlsServer({
        cert: options.tls.cert,
        key: options.tls.key,
        ALPNProtocols: ["h2", "http/1.1"],
        handshakeTimeout: options.headerTimeoutMs,
        noDelay: true,
        keepAlive: true,
      });
      this.#tls.on("secureConnection", (socket: TLSSocket) => this.#dispatchTls(socket));
      // A failed handshake (a plain-HTTP caller, a bad client hello) only ends that connection.
      this.#tls.on("tlsClientError", (_error, socket) => socket.destroy());
      this.#net = this.#tls;
    }
    // A hard ceiling for sockets the shedding above cannot even answer: the kernel's accept is cheap.
    if (Number.isFinite(this.#maxConnections)) this.#net.maxConnections = this.#maxConnections * 2;
  }

  /** Takes up a renewed certificate and key: new connections use them, open ones keep theirs. */
  setTlsCredentials(credentials: TlsCredentials): void {
    this.#tls?.setSecureContext({ cert: credentials.cert, key: credentials.key });
  }

  #dispatchTls(socket: TLSSocket): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const h2 = socket.alpnProtocol === "h2";
    if (this.#sockets.size > this.#maxConnections) {
      this.#shed(socket, h2);
      return;
    }
    (h2 ? this.#h2 : this.#h1).emit("connection", socket);
  }

  /** A connection over the limit: a 503 for HTTP/1.1, which every client reads; HTTP/2 is closed. */
  #shed(socket: Socket, h2: boolean): void {
    if (h2) socket.destroy();
    else socket.end(OVER_CONNECTION_LIMIT);
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#net.once("error", reject);
      this.#net.listen(port, host, () => {
        this.#net.off("error", reject);
        resolve(this.#net.address() as AddressInfo);
      });
    });
  }

  /**
   * Graceful shutdown: stop accepting, close idle HTTP/1.1 connections, send
   * GOAWAY on every HTTP/2 session, let in-flight requests and streams finish
   * for up to `graceMs`. Then `beforeDestroy` runs (the gateway ends its
   * streams with an error event there), and whatever is still open after a
   * short flush is destroyed.
   */
  async close(graceMs: number, beforeDestroy?: () => void): Promise<void> {
    this.#draining = true;
    this.#net.close();
    this.#h1.close();
    this.#h1.closeIdleConnections();
    for (const session of this.#sessions) session.close();
    const deadline = Date.now() + graceMs;
    while (this.#sockets.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      this.#h1.closeIdleConnections();
    }
    if (this.#sockets.size > 0 && beforeDestroy !== undefined) {
      beforeDestroy();
      const flushUntil = Date.now() + 200;
      while (this.#sockets.size > 0 && Date.now() < flushUntil) await new Promise((r) => setTimeout(r, 10));
    }
    for (const session of this.#sessions) session.destroy();
    for (const socket of this.#sockets) socket.destroy();
  }

  #sniff(socket: Socket, timeoutMs: number): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    // A connection that never says anything is closed, not kept forever.
    socket.setTimeout(timeoutMs, () => socket.destroy());
    let seen: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const prefix = seen.subarray(0, H2_PREFACE.length);
      const couldBeH2 = prefix.equals(H2_PREFACE.subarray(0, prefix.length));
      if (couldBeH2 && seen.length < H2_PREFACE.length) return;
      socket.off("data", onData);
      if (this.#sockets.size > this.#maxConnections) {
        this.#shed(socket, couldBeH2);
        return;
      }
      socket.pause();
      socket.setTimeout(0);
      socket.unshift(seen);
      (couldBeH2 ? this.#h2 : this.#h1).emit("connection", socket);
      process.nextTick(() => socket.resume());
    };
    socket.on("data", onData);
    socket.on("error", () => socket.destroy());
  }

  #trackSession(session: Http2Session, options: OnePortOptions): void {
    this.#sessions.add(session);
    this.#streams.set(session, 0);
    // A session must open a stream (send a complete HEADERS block) within the header
    // timeout, and a session without streams is closed after the keep-alive timeout.
    // Both are measured from the moment it had no stream, not from its last byte: a
    // client trickling a HEADERS frame, or only pinging, is active but not requesting.
    let idle: NodeJS.Timeout | undefined;
    const idleFor = (ms: number) => {
      idle = setTimeout(() => {
        if ((this.#streams.get(session) ?? 0) === 0) this.#endSession(session);
      }, ms);
      idle.unref();
    };
    idleFor(options.headerTimeoutMs);
    session.on("stream", (stream) => {
      clearTimeout(idle);
      this.#streams.set(session, (this.#streams.get(session) ?? 0) + 1);
      stream.once("close", () => {
        const open = (this.#streams.get(session) ?? 1) - 1;
        this.#streams.set(session, open);
        if (open === 0 && !session.destroyed) idleFor(options.keepAliveTimeoutMs);
      });
    });
    session.once("close", () => {
      clearTimeout(idle);
      this.#sessions.delete(session);
      this.#streams.delete(session);
    });
    session.on("error", () => session.destroy());
  }

  /** GOAWAY, then the socket is closed soon after: a session with no stream has nothing to finish. */
  #endSession(session: Http2Session): void {
    session.close();
    setTimeout(() => session.destroy(), 250).unref();
  }
}

/**
 * How often Node checks HTTP/1.1 connections for an overdue request head: often
 * enough that a head is cut off within about 1.5× the timeout, at most once a second.
 */
function checkEvery(headerTimeoutMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(headerTimeoutMs / 2)));
}
