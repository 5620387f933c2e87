import { ErrorCode } from '../../../lib/errors';
import { refusal } from '../pipeline/errors';
import type { GatewayPlugin } from '../pipeline/plugin';
import { withAgreedScopes } from '../../../lib/authentication/agreed-scopes';
import { AuthenticationError, createAuthenticator, SigningKeysUnavailableError, type Authenticated } from '../../../lib/authentication/authenticator';
import { bearerChallenge } from '../../../lib/authentication/challenge';
import type { AuthConfig } from '../../../lib/authentication/config';

export interface AuthenticationConfig {
  tokens: AuthConfig;
  /** Partner clients whose tokens may carry write scopes; every other partner's are dropped. */
  partnerWriteClients: ReadonlySet<string>;
}

/** How long a client should wait before retrying when the identity provider's keys could not be fetched. */
const KEYS_RETRY_AFTER_SECONDS = 5;

/**
 * Who is asking: `Authorization: Bearer <JWT>`, verified before anything else is read, becomes the request's
 * principal (with a partner's scopes cut to its agreement). A refused token is HTTP 401 with an RFC 6750
 * challenge that says why; keys that could not be fetched are 503, so that clients retry rather than log out.
 */
export interface AuthenticationPlugin extends GatewayPlugin {
  /** Verifies an Authorization header as every request's is verified; throws the refusal (401, 503) otherwise. */
  verify(authorization: string | undefined): Promise<Authenticated>;
}

export async function useAuthentication(config: AuthenticationConfig): Promise<AuthenticationPlugin> {
  const authenticator = await createAuthenticator(config.tokens);
  const verify = async (header: string | undefined): Promise<Authenticated> => {
    try {
      const { principal, expiresAt } = await authenticator.authenticate(header);
      return { principal: withAgreedScopes(principal, config.partnerWriteClients), expiresAt };
    } catch (error) {
      if (error instanceof SigningKeysUnavailableError) {
        throw refusal(error.reason, ErrorCode.SERVICE_UNAVAILABLE, { status: 503, headers: { 'retry-after': String(KEYS_RETRY_AFTER_SECONDS) } });
      }
      if (error instanceof AuthenticationError) throw unauthenticated(error.reason, header);
      throw error;
    }
  };
  return {
    name: 'authentication',
    verify,
    async onRequest(request) {
      const { principal, expiresAt } = await verify(request.headers.authorization);
      request.principal = principal;
      request.credentialsExpireAt = expiresAt;
    },
  };
}

function unauthenticated(reason: string, authorizationHeader: string | undefined) {
  return refusal(reason, ErrorCode.UNAUTHENTICATED, { status: 401, headers: { 'www-authenticate': bearerChallenge(reason, authorizationHeader) } });
}
