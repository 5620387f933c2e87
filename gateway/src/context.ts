import { HeaderMap, type BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../lib/errors';
import type { Principal } from '../../lib/principal';
import { AuthenticationError, SigningKeysUnavailableError } from './auth/authenticator';
import type { AuthorizationContext } from './authorization/authorizing-gateway';

/** What the gateway knows about a request: who asks (verified) and the id that follows it to the subgraphs. */
export interface GatewayContext extends BaseContext, AuthorizationContext {
  principal: Principal;
  requestId: string;
  /** The persisted operation the request named, for the audit trail and metrics. */
  persistedOperationId?: string;
  /** RateLimit headers of the request budget, sent with the response. */
  rateLimitHeaders?: HeaderMap;
}

/** How long a client should wait before retrying when the identity provider's keys could not be fetched. */
const KEYS_RETRY_AFTER_SECONDS = 5;

/**
 * The answer to a token that could not be accepted, before any planning: HTTP 401 with an RFC 6750
 * challenge and a GraphQL error with code UNAUTHENTICATED. When the keys to check it could not be fetched,
 * the token may be fine: 503, so that clients retry, not log out.
 */
export function authenticationFailure(error: unknown, authorization: string | undefined): unknown {
  if (error instanceof SigningKeysUnavailableError) return signingKeysUnavailable(error.reason);
  if (error instanceof AuthenticationError) return unauthenticatedRequest(error.reason, /^bearer\s/i.test(authorization ?? ''));
  return error;
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
