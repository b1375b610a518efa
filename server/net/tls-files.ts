import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { createSecureContext } from "node:tls";
import type { TlsConfig } from "../config/tls-schema.ts";
import type { TlsCredentials } from "./one-port-server.ts";

/** Reads the certificate and key files, and checks that they make a usable pair. */
export function readTlsFiles(config: TlsConfig): TlsCredentials {
  const credentials = { cert: readFileSync(config.cert), key: readFileSync(config.key) };
  // Throws on a key that does not match the certificate, or a file that is not PEM.
  createSecureContext(credentials);
  return credentials;
}

/**
 * Watches the certificate and key files (by polling their stat, which also
 * sees an atomic rename, as cert-manager and certbot do) and hands each new
 * valid pair to `apply`. A pair that does not load, such as a key written
 * before its certificate, is reported and the old pair keeps serving.
 * Returns the function that stops watching.
 */
export function watchTlsFiles(
  config: TlsConfig,
  apply: (credentials: TlsCredentials) => void,
  onError: (error: unknown) => void,
): () => void {
  const reload = () => {
    try {
      apply(readTlsFiles(config));
    } catch (error) {
      onError(error);
    }
  };
  const options = { interval: config.watch_interval_ms, persistent: false };
  watchFile(config.cert, options, reload);
  watchFile(config.key, options, reload);
  return () => {
    unwatchFile(config.cert, reload);
    unwatchFile(config.key, reload);
  };
}
