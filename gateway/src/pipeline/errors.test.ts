import { GraphQLError, Source } from 'graphql';
import { badRequest, codeOf, formatError, httpFactsOf, refusal } from './errors';
import { recordingLogger } from './test-fixtures';

function formatting(hideSuggestions: boolean) {
  const { logger, lines } = recordingLogger();
  return { options: { hideSuggestions, requestId: 'req-42', logger }, lines };
}

describe('what a client sees of an error', () => {
  it.each([
    ['Cannot query field "emial" on type "User". Did you mean "email"?', 'Cannot query field "emial" on type "User".'],
    ['Cannot query field "emial" on type "User". Did you mean "email" or "name"?', 'Cannot query field "emial" on type "User".'],
    ['Value "HIG" does not exist in "Severity" enum. Did you mean the enum value "HIGH"?', 'Value "HIG" does not exist in "Severity" enum.'],
    [
      'Cannot query field "hostname" on type "Asset". Did you mean to use an inline fragment on "Device"?',
      'Cannot query field "hostname" on type "Asset".',
    ],
  ])('hides the suggestion in production: %s', (message, hidden) => {
    const error = new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(formatError(error, formatting(true).options).message).toBe(hidden);
    expect(formatError(error, formatting(false).options).message).toBe(message);
  });

  it('keeps a message that only mentions a question', () => {
    const error = new GraphQLError('Did you mean to send this? The operation is too deep', { extensions: { code: 'OPERATION_LIMIT_EXCEEDED' } });
    expect(formatError(error, formatting(true).options).message).toBe('Did you mean to send this? The operation is too deep');
  });

  it('masks an error without a code, keeping where it happened and the request id to find the cause in the log', () => {
    const { options, lines } = formatting(false);
    const cause = new Error('connect ECONNREFUSED 10.0.3.7:5432');
    const error = new GraphQLError(cause.message, { source: new Source('{ users }'), positions: [2], path: ['users'], originalError: cause });
    expect(formatError(error, options)).toEqual({
      message: 'Internal server error',
      locations: [{ line: 1, column: 3 }],
      path: ['users'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-42' },
    });
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: 'internal error in the gateway', requestId: 'req-42', err: expect.objectContaining({ message: cause.message }) })]);
  });

  it('masks an INTERNAL_SERVER_ERROR too, whatever extensions it carries', () => {
    const error = new GraphQLError('SELECT * FROM users failed', { extensions: { code: 'INTERNAL_SERVER_ERROR', query: 'SELECT * FROM users', tenant: 'acme' } });
    expect(formatError(error, formatting(true).options)).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-42' } });
  });

  it("masks a subgraph's internal error, naming the subgraph, without logging it again (the subgraph did)", () => {
    const { options, lines } = formatting(false);
    const error = new GraphQLError('relation "users" does not exist', { extensions: { serviceName: 'identity', exception: { stacktrace: ['at pg'] } } });
    expect(formatError(error, options)).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'identity', requestId: 'req-42' } });
    expect(lines).toEqual([]);
  });

  it('never lets a stack trace leave, nor the HTTP facts of a refusal, whoever put them in', () => {
    const error = new GraphQLError('Unauthorized field or type', {
      path: ['me', 'email'],
      extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE', stacktrace: ['Error: at resolver'], exception: { stacktrace: ['at subgraph'] }, http: { status: 403 }, serviceName: 'identity' },
    });
    expect(formatError(error, formatting(false).options)).toEqual({
      message: 'Unauthorized field or type',
      path: ['me', 'email'],
      extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE', serviceName: 'identity' },
    });
  });
});

describe('refusals', () => {
  it('carry a code, extensions and the HTTP facts they are answered with', () => {
    const refused = refusal('Too many requests', 'RATE_LIMITED', { status: 429, headers: { 'retry-after': '3' } }, { limit: 'requests' });
    expect(refused.extensions).toEqual({ code: 'RATE_LIMITED', limit: 'requests', http: { status: 429, headers: { 'retry-after': '3' } } });
    expect(httpFactsOf(refused)).toEqual({ status: 429, headers: { 'retry-after': '3' } });
    expect(httpFactsOf(badRequest('Not JSON'))).toEqual({ status: 400 });
    expect(codeOf(badRequest('Not JSON'))).toBe('BAD_REQUEST');
  });

  it('are told apart from other errors, which carry no HTTP facts', () => {
    expect(httpFactsOf(new GraphQLError('boom'))).toBeUndefined();
    expect(httpFactsOf(new GraphQLError('boom', { extensions: { http: { headers: {} } } }))).toBeUndefined();
    expect(httpFactsOf(new Error('boom'))).toBeUndefined();
    expect(codeOf(new GraphQLError('boom'))).toBe('INTERNAL_SERVER_ERROR');
    expect(codeOf({ message: 'boom', extensions: { code: 42 } })).toBe('INTERNAL_SERVER_ERROR');
  });
});
