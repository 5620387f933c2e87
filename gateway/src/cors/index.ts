import type { IncomingMessage } from 'node:http';
import { writeJson } from '../pipeline/http-server';
import type { GatewayPlugin, HttpExchange } from '../pipeline/plugin';

/** The request headers clients send to /graphql: tokens, JSON, Apollo's CSRF headers, trace context, SSE resume. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'accept', 'apollo-require-preflight', 'x-apollo-operation-name', 'traceparent', 'tracestate', 'x-request-id', 'last-event-id'];
/** Response headers a page may read: rate limits, the request id, why a token was refused. */
const EXPOSED_HEADERS = ['ratelimit', 'ratelimit-policy', 'retry-after', 'x-request-id', 'www-authenticate'];
const MAX_AGE_SECONDS = 600;

/**
 * Cross-origin requests from browsers: pages on the allowed origins may call /graphql with a bearer token. The
 * answer names the one origin that asked (never `*`), varies by Origin, and allows no credentials (cookies),
 * which the gateway never reads: a token travels in the Authorization header. A preflight from another origin is
 * refused with 403 and a message, so a developer sees why in the browser's network panel. CSRF prevention stays:
 * a page cannot send a simple request that runs anything (see pipeline/http-server.ts).
 */
export function useCors(allowedOrigins: readonly string[]): GatewayPlugin {
  const allowed = allowedOrigins.map(originPattern);
  const isAllowed = (origin: string) => allowed.some((pattern) => pattern.test(origin));
  return {
    name: 'cors',
    onHttp(exchange: HttpExchange) {
      const origin = headerValue(exchange.request, 'origin');
      if (origin === undefined) return false;
      exchange.responseHeaders.set('vary', 'Origin');
      const preflight = exchange.request.method === 'OPTIONS' && headerValue(exchange.request, 'access-control-request-method') !== undefined;
      if (!isAllowed(origin)) {
        if (!preflight) return false;
        writeJson(exchange.response, 403, Object.fromEntries(exchange.responseHeaders), {
          errors: [{ message: `Origin ${origin} may not call this API from a browser; add it to CORS_ORIGINS`, extensions: { code: 'FORBIDDEN' } }],
        }, 'application/json');
        return true;
      }
      exchange.responseHeaders.set('access-control-allow-origin', origin);
      if (!preflight) {
        exchange.responseHeaders.set('access-control-expose-headers', EXPOSED_HEADERS.join(', '));
        return false;
      }
      exchange.response.writeHead(204, {
        ...Object.fromEntries(exchange.responseHeaders),
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': ALLOWED_HEADERS.join(', '),
        'access-control-max-age': String(MAX_AGE_SECONDS),
        'content-length': '0',
      });
      exchange.response.end();
      return true;
    },
  };
}

/** An allowed origin as a pattern: exact, or with `:*` for any port. */
function originPattern(origin: string): RegExp {
  const escaped = origin.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.endsWith(':*') ? `${escaped.slice(0, -2)}(:\\d+)?` : escaped}$`);
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
