/**
 * The log fields pino censors: wherever a credential could ride in a logged
 * object (an `err` with the request's headers, a config section, a key
 * record). Paths are pino's (fast-redact) syntax: `*` is one level of any
 * name. They cover the field at the top of a line and up to three levels down,
 * which is where the gateway's log calls put objects (a config section's
 * webhook secret sits three levels down).
 */
const SECRET_FIELDS = [
  "authorization",
  '["x-api-key"]',
  '["x-goog-api-key"]',
  '["api-key"]',
  "api_key",
  "apiKey",
  "credential",
  "secret",
  "password",
  "token",
  "key_secret",
];

export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((field) => {
  const at = field.startsWith("[") ? field : `.${field}`;
  return [
    field,
    `*${at}`,
    `*.*${at}`,
    `*.*.*${at}`,
    `headers${at}`,
    `*.headers${at}`,
    `req.headers${at}`,
    `err.headers${at}`,
  ];
});
