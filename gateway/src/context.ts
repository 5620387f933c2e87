import type { IncomingMessage } from 'node:http';
import { HeaderMap, type BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../lib/errors';
import type { Principal } from '../../lib/principal';
import { AuthenticationError, SigningKeysUnavailableError, type Authenticator } from './auth/authenticator';
import type { AuthorizationContext } from './authorization/authorizing-gateway';

/** What the gateway knows about a request: who asks (verified) and the id that follows it to the subgraphs. */
export interface GatewayContext extends BaseContext, AuthorizationContext {
  principal: Principal;
  requestId: string;
}

/** How long a client should wait before retrying when the identity provider's keys could not be fetched. */
const KEYS_RETRY_AFTER_SECONDS = 5;

/**
 * Builds the request context from the Authorization header. A refused token ends the request before any
 * planning: HTTP 401 with an RFC 6750 challenge, and a GraphQL error with code UNAUTHENTICATED. When the
 * keys to check it could not be fetched, the token may be fine: 503, so that clients retry, not log out.
 */
export function createContextFunction(authenticator: Authenticator) {
  return async (request: IncomingMessage, requestId: string): Promise<GatewayContext> => {
    const authorization = request.headers.authorization;
    try {
      return { principal: await authenticator.authenticate(authorization), requestId };
    } catch (error) {
      if (error instanceof SigningKeysUnavailableError) throw signingKeysUnavailable(error.reason);
      if (error instanceof AuthenticationError) throw unauthenticatedRequest(error.reason, /^bearer\s/i.test(authorization ?? ''));
      throw error;
    }
  };
}

function unauthenticatedRequest(reason: string, bearerTokenSent: boolean): GraphQLError {
  // RFC 6750: a request without a bearer token (none, or another scheme) gets the bare challenge; a refused
  // token gets invalid_token and why.
  const challenge = bearerTokenSent ? `Bearer error="invalid_token", error_description="${quotedStringContent(reason)}"` : 'Bearer';
  return new GraphQLError(reason, {
    extensions: {
      code: ErrorCode.UNAUTHENTICATED,
      http: { status: 401, headers: new HeaderMap([['www-authenticate', challenge]]) },
    },
  });
}

function signingKeysUnavailable(reason: string): GraphQLError {
  return new GraphQLError(reason, {
    extensions: {
      code: ErrorCode.SERVICE_UNAVAILABLE,
      http: { status: 503, headers: new HeaderMap([['retry-after', String(KEYS_RETRY_AFTER_SECONDS)]]) },
    },
  });
}

/** A header's quoted-string holds printable ASCII only, with `"` and `\` escaped. */
function quotedStringContent(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&');
}
