import { GatewayError } from "../errors/gateway-error.ts";

/**
 * Makes the one error every adapter raises for a feature its upstream cannot
 * honour: `invalid_request`, naming the feature, the provider and its API, so
 * the caller learns why rather than getting an answer it did not ask for.
 *
 * @example
 * const reject = unsupportedFeature("claude", "Anthropic Messages API");
 * throw reject("logit_bias", "logit_bias");
 */
export function unsupportedFeature(provider: string, api: string) {
  return (feature: string, param: string, why = ""): GatewayError =>
    new GatewayError(
      "invalid_request",
      `${feature} is not supported by provider ${provider} (${api})${why}`,
      {
        param,
        provider,
      },
    );
}
