import { errorCode } from '../pipeline/subgraph-errors';
import { backoffDelayMs, isRetryableConnectionError, isRetryableStatus } from './retry-policy';

describe('backoffDelayMs (full jitter)', () => {
  const options = { baseMs: 50, capMs: 1000 };

  it('stays within [0, min(cap, base * 2^retry)) for every draw', () => {
    for (let retry = 0; retry < 8; retry++) {
      const bound = Math.min(1000, 50 * 2 ** retry);
      for (let i = 0; i < 500; i++) {
        const delay = backoffDelayMs(retry, options);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(bound);
      }
    }
  });

  it('spans the whole range: the lowest and highest draws hit its ends, the middle its middle', () => {
    expect(backoffDelayMs(0, options, () => 0)).toBe(0);
    expect(backoffDelayMs(0, options, () => 0.5)).toBe(25);
    expect(backoffDelayMs(1, options, () => 0.5)).toBe(50);
    expect(backoffDelayMs(2, options, () => 0.999)).toBeCloseTo(199.8);
  });

  it('never exceeds the cap, however many retries', () => {
    expect(backoffDelayMs(30, options, () => 0.999)).toBeCloseTo(999);
  });
});

// Whether a fetch may be retried at all is decided by its operation kind from the query plan, no longer by
// reading its text: see 'decides by the kind the query plan gives the fetch' in resilience.test.ts.

describe('what is retried', () => {
  it.each([502, 503, 504])('retries HTTP %i', (status) => expect(isRetryableStatus(status)).toBe(true));
  it.each([200, 400, 401, 403, 404, 429, 500, 501])('does not retry HTTP %i', (status) => expect(isRetryableStatus(status)).toBe(false));

  it('finds the code on the error, on its cause or on the first of an AggregateError', () => {
    expect(errorCode(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(errorCode(new Error('wrapped', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toBe('ECONNRESET');
    expect(errorCode(new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]))).toBe('ECONNREFUSED');
    expect(errorCode(new Error('no code'))).toBeUndefined();
    expect(errorCode('not an error')).toBeUndefined();
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'])('retries a connection error %s', (code) => {
    expect(isRetryableConnectionError(Object.assign(new Error(code), { code }))).toBe(true);
  });

  it.each(['ENOTFOUND', 'UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_ABORTED'])('does not retry %s', (code) => {
    expect(isRetryableConnectionError(Object.assign(new Error(code), { code }))).toBe(false);
  });
});
