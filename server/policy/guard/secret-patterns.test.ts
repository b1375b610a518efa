import { describe, expect, it } from "vitest";
import { found } from "./found.ts";
import { secretDetector } from "./secret-patterns.ts";

const jwt = (header: object) =>
  `${Buffer.from(JSON.stringify(header)).toString("base64url")}.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`;

const detector = secretDetector();

describe("secrets: positives", () => {
  it.each([
    ["aws_access_key", "key AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE"],
    ["aws_access_key", "ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"],
    ["github_token", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"],
    ["github_token", "gho_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "gho_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"],
    [
      "github_token",
      "github_pat_11ABCDEFG0123456789_abcdefghij",
      "github_pat_11ABCDEFG0123456789_abcdefghij",
    ],
    ["slack_token", "xoxb-123456789012-abcdefghij", "xoxb-123456789012-abcdefghij"],
    ["stripe_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"],
    ["stripe_key", "rk_live_4eC39HqLyjWDarjtT1zdp7dc", "rk_live_4eC39HqLyjWDarjtT1zdp7dc"],
    ["openai_key", "OPENAI=sk-proj-abcDEF123ghiJKL456mnoPQR", "sk-proj-abcDEF123ghiJKL456mnoPQR"],
    ["openai_key", "sk-abcdefghij0123456789ABCD", "sk-abcdefghij0123456789ABCD"],
    ["anthropic_key", "sk-ant-api03-abcdefghij0123456789XYZ", "sk-ant-api03-abcdefghij0123456789XYZ"],
    ["bearer_token", "Authorization: Bearer abcdef0123456789ABCDEFxyz", "abcdef0123456789ABCDEFxyz"],
    ["secret_assignment", 'api_key = "hunter22hunter"', "hunter22hunter"],
    ["secret_assignment", "PASSWORD: s3cretpass", "s3cretpass"],
    ["secret_assignment", "client_secret='abcdefgh'", "abcdefgh"],
    ["secret_assignment", '"apiKey": "zz9plural"', "zz9plural"],
    ["jwt", `token ${jwt({ alg: "HS256", typ: "JWT" })}`, jwt({ alg: "HS256", typ: "JWT" })],
  ])("%s in %j", (type, text, secret) => {
    expect(found(detector, text)).toEqual([[type, secret]]);
  });

  it("a PEM private key block, whole", () => {
    const pem =
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nDEK-Info: x\n-----END RSA PRIVATE KEY-----";
    expect(found(detector, `key:\n${pem}\nend`)).toEqual([["private_key", pem]]);
  });

  it("a truncated PEM private key, by its header", () => {
    expect(found(detector, "-----BEGIN PRIVATE KEY-----\nMIIE")).toEqual([
      ["private_key", "-----BEGIN PRIVATE KEY-----"],
    ]);
  });
});

describe("secrets: look-alikes that must not match", () => {
  it.each([
    ["an AWS key one short", "AKIAIOSFODNN7EXAMPL"],
    ["an AWS key lower-cased", "akiaiosfodnn7example"],
    ["an AWS key one long", "AKIAIOSFODNN7EXAMPLEX"],
    ["a short GitHub prefix", "ghp_short"],
    ["a Stripe test key", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"],
    ["a hyphenated word after sk-", "sk-learn-is-a-machine-learning-library"],
    ["words ending in sk", "risk-assessment-framework-for-2024-q1"],
    ["Bearer in prose", "the Bearer token goes in the header"],
    ["a password type in code", "password: string;"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style placeholder is the input under test
    ["a password placeholder", 'password = "${DB_PASSWORD}"'],
    ["a password from the environment", 'api_key = os.environ["KEY"]'],
    ["password_policy", "password_policy = strict2024"],
    ["a PEM public key", "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----"],
    [
      "a JWT-shaped string whose header has no alg",
      `${Buffer.from('{"typ":"JWT"}').toString("base64url")}.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4`,
    ],
  ])("%s", (_name, text) => {
    expect(found(detector, text)).toEqual([]);
  });
});

describe("secrets: several in one string", () => {
  it("finds each, in order", () => {
    const text = "a AKIAIOSFODNN7EXAMPLE b xoxp-123456789012-abc c";
    expect(found(detector, text).map(([t]) => t)).toEqual(["aws_access_key", "slack_token"]);
  });
});
