import autocannon from 'autocannon';

/** What one load run measured. */
export interface LoadSample {
  /** Responses received (any status). */
  requests: number;
  /** Requests sent, including those still unanswered when the run ended (their work is done after it). */
  sent: number;
  seconds: number;
  /** Response times in ms, one per response. */
  latenciesMs: number[];
  non2xx: number;
  /** 2xx responses whose body held `errors`, or no `data` for the sampled ones. */
  graphqlErrors: number;
  /** Connection errors and timeouts. */
  connectionErrors: number;
  /** One body that counted as an error, to show what went wrong. */
  errorExample?: string;
}

/** One request's body and headers (content-type is added). */
export interface LoadRequest {
  body: string;
  headers: Record<string, string>;
}

export interface LoadOptions {
  url: string;
  body: string;
  headers?: Record<string, string>;
  /** When given, each request is the next it returns, instead of `body` and `headers` every time. */
  next?: () => LoadRequest;
  connections: number;
  durationSeconds: number;
}

/** Every how many responses one is parsed whole; the rest are checked for an `errors` key only. */
const PARSE_EVERY = 50;

/**
 * POSTs the same body (or each time the next of `next`) over `connections` keep-alive connections for
 * `durationSeconds`. Every response is
 * checked for an `errors` key, and every 50th is parsed and must hold non-null `data` without `errors`.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSample> {
  const latenciesMs: number[] = [];
  const { next } = options;
  let graphqlErrors = 0;
  let errorExample: string | undefined;
  let checked = 0;
  // autocannon emits 'response' and then, synchronously for the same response, calls verifyBody.
  let lastStatus = 200;
  const instance = autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body,
    ...(next ? { requests: [{ setupRequest: (request) => withNext(request, next) }] } : {}),
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 30,
    verifyBody: (body) => {
      if (lastStatus < 200 || lastStatus > 299) {
        // Counted in non2xx already.
        errorExample ??= `HTTP ${lastStatus}: ${body.slice(0, 500)}`;
        return true;
      }
      checked += 1;
      const ok = checked % PARSE_EVERY === 1 ? isCleanResult(body) : !body.includes('"errors"');
      if (!ok) {
        graphqlErrors += 1;
        errorExample ??= body.slice(0, 500);
      }
      return ok;
    },
  });
  instance.on('response', (_client, status, _bytes, responseTime) => {
    lastStatus = status;
    latenciesMs.push(responseTime);
  });
  const result = await instance;
  return {
    requests: latenciesMs.length,
    sent: result.requests.sent,
    seconds: result.duration,
    latenciesMs,
    non2xx: result.non2xx,
    graphqlErrors,
    connectionErrors: result.errors,
    errorExample,
  };
}

function withNext<T extends { body?: string; headers?: Record<string, string> }>(request: T, next: () => LoadRequest): T {
  const { body, headers } = next();
  return { ...request, body, headers: { ...request.headers, ...headers } };
}

/** A GraphQL response with data for every root field and no errors. */
export function isCleanResult(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { data?: Record<string, unknown> | null; errors?: unknown };
    return parsed.errors === undefined && parsed.data !== null && parsed.data !== undefined && Object.values(parsed.data).every((value) => value !== null);
  } catch {
    return false;
  }
}

/** The p-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}
