import { z } from "zod";

/**
 * The `tls` section: serve HTTPS (ALPN `h2` and `http/1.1`) on the one port
 * instead of cleartext. The files are read at start-up and again whenever
 * they change, so a renewed certificate is taken up without a restart.
 *
 * ```yaml
 * tls: { cert: /etc/llmgw/tls/cert.pem, key: /etc/llmgw/tls/key.pem }
 * ```
 */
export const tlsSchema = z
  .object({
    cert: z.string().min(1).describe("PEM certificate chain file"),
    key: z.string().min(1).describe("PEM private key file"),
    watch_interval_ms: z
      .number()
      .int()
      .positive()
      .default(2_000)
      .describe("how often the files are checked for a change"),
  })
  .strict();

export type TlsConfig = z.infer<typeof tlsSchema>;
