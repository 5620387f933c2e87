import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { close, listen } from '../lib/http-server';
import { startGraph, type Graph } from './support/graph';
import { describeWithRedis, send, type RawResponse } from './support/raw-http';

/**
 * What an attacker tries first, against the gateway as production runs it (NODE_ENV=production, keys from
 * a JWKS file, Redis, the trusted documents in enforce mode, as docker-compose.yml sets them). Each probe is
 * one request, and one assertion that it was refused or did no harm.
 */

/** The first error's code and, for a limit, its name: what a refusal is asserted by. */
function refusal({ status, body }: RawResponse) {
  const extensions = body?.errors?.[0]?.extensions ?? {};
  return { status, code: extensions.code, ...(extensions.limit === undefined ? {} : { limit: extensions.limit }), data: body?.data };
}

/** A subgraph gone wrong: invalid JSON on /malformed, and an unmasked internal error with its stack on /leaky. */
function brokenSubgraph(): Server {
  return createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (request.url === '/malformed') return response.end('{"data": {"incidents": ');
      response.end(
        JSON.stringify({
          data: null,
          errors: [
            {
              message: 'Cannot read properties of undefined (at /srv/assets/src/resolvers/asset.ts:41:7)',
              extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['TypeError: Cannot read properties of undefined', '    at /srv/assets/src/resolvers/asset.ts:41:7'] },
            },
          ],
        }),
      );
    });
  });
}

describeWithRedis('security probes against the production configuration', () => {
  let graph: Graph;
  let userToken: string;

  beforeAll(async () => {
    graph = await startGraph({
      demoDataScale: 0.02,
      production: true,
      gatewayEnv: { PERSISTED_QUERIES: join(__dirname, '..', 'schema', 'persisted-queries'), PERSISTED_QUERIES_MODE: 'enforce' },
    });
    userToken = await graph.token();
  });

  afterAll(async () => {
    await graph?.close();
  });

  const post = (body: unknown, token = userToken) => send(graph.url, { token, body });

  it('101 aliases: refused by maxAliases', async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `a${i}: __typename`).join(' ');
    expect(refusal(await post({ query: `{ ${aliases} }` }))).toEqual({ status: 400, code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxAliases', data: undefined });
  });

  it('an array of 10 operations: refused, batching is off', async () => {
    const batch = Array.from({ length: 10 }, () => ({ query: '{ users(first: 100) { totalCount } }' }));
    expect(refusal(await post(batch))).toEqual({ status: 400, code: 'BATCHING_NOT_ALLOWED', data: undefined });
  });

  it('a circular introspection query (__type nested 20 ofType deep): refused by maxDepth', async () => {
    let ofType = 'name';
    for (let i = 0; i < 20; i += 1) ofType = `ofType { ${ofType} }`;
    const query = `{ __type(name: "User") { fields { type { ${ofType} } } } }`;
    expect(refusal(await post({ query }))).toEqual({ status: 400, code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxDepth', data: undefined });
  });

  it('a directive repeated 10 times on one field: refused by validation', async () => {
    const query = `{ users(first: 1) { totalCount ${'@skip(if: false) '.repeat(10)} } }`;
    expect(refusal(await post({ query }))).toEqual({ status: 400, code: 'GRAPHQL_VALIDATION_FAILED', data: undefined });
  });

  it('500 copies of one field: harmless, answered once', async () => {
    const { body } = await post({ query: `{ users(first: 1) { ${'totalCount '.repeat(500)}} }` });
    expect(body).toEqual({ data: { users: { totalCount: expect.any(Number) } } });
  });

  it('a misspelt field fishing for suggestions: refused without "Did you mean"', async () => {
    const { status, text } = await post({ query: '{ users(first: 1) { totalCoun } }' });
    expect({ status, suggests: /did you mean/i.test(text) }).toEqual({ status: 400, suggests: false });
  });

  it('a mutation over GET: refused with 405 and Allow: POST', async () => {
    const { status, headers } = await send(graph.url, {
      method: 'GET',
      token: userToken,
      headers: { 'apollo-require-preflight': 'true' },
      params: { query: 'mutation { addIncidentNote(uid: "inc-acme-00001", note: "csrf") { uid } }' },
    });
    expect({ status, allow: headers.get('allow') }).toEqual({ status: 405, allow: 'POST' });
  });

  it('a query over GET without a preflight header (a cross-site request): refused', async () => {
    const response = await send(graph.url, { method: 'GET', token: userToken, params: { query: '{ users(first: 1) { totalCount } }' } });
    expect(refusal(response)).toEqual({ status: 400, code: 'BAD_REQUEST', data: undefined });
  });

  it('Accept: text/html looking for an IDE: no HTML is served', async () => {
    const { headers, text } = await send(graph.url, { method: 'GET', headers: { accept: 'text/html' } });
    expect({ contentType: headers.get('content-type'), html: /<html|<!doctype|<script/i.test(text) }).toEqual({ contentType: expect.stringContaining('application/json'), html: false });
  });

  it('introspection with a partner token: refused', async () => {
    const partner = await graph.token({ kind: 'partner', sub: 'partner-x-feed', clientId: 'partner-x', scopes: ['incidents:read'] });
    // Partners run agreed operations by id only, so the schema is never reached.
    expect(refusal(await post({ query: '{ __schema { types { name } } }' }, partner))).toEqual({ status: 400, code: 'PERSISTED_QUERY_ID_REQUIRED', data: undefined });
  });

  it('introspection with a user token: refused, nobody introspects in production', async () => {
    expect(refusal(await post({ query: '{ __schema { types { name } } }' }))).toEqual({ status: 403, code: 'FORBIDDEN', data: undefined });
  });

  it('a url-encoded POST (a form on another site): refused with 415', async () => {
    const response = await send(graph.url, {
      token: userToken,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: '{ users(first: 1) { totalCount } }' }).toString(),
    });
    expect(refusal(response)).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', data: undefined });
  });

  it('extensions.tracing asking for resolver timings: none are returned', async () => {
    const { body } = await post({ query: '{ users(first: 1) { totalCount } }', extensions: { tracing: true } });
    expect(body).toEqual({ data: { users: { totalCount: expect.any(Number) } } });
  });

  describe('errors from a subgraph gone wrong', () => {
    let subgraph: Server;
    let gatewayUrl: string;
    let subgraphPort: number;

    beforeAll(async () => {
      subgraph = brokenSubgraph();
      subgraphPort = (await listen(subgraph, 0, '127.0.0.1')).port;
      const origin = `http://127.0.0.1:${subgraphPort}`;
      gatewayUrl = (await graph.startGateway({ INCIDENTS_URL: `${origin}/malformed`, ASSETS_URL: `${origin}/leaky`, SUBGRAPH_RETRIES: '0' })).url;
    });

    afterAll(async () => {
      await close(subgraph);
    });

    const leaks = (text: string) => ({
      stack: /stacktrace|\bat \/|\.ts:\d+/.test(text),
      address: text.includes(String(subgraphPort)),
    });

    it('an internal error with a stack trace: masked, with its code and the request id, no stack and no file paths', async () => {
      const { headers, body, text } = await send(gatewayUrl, { token: userToken, body: { query: '{ assets(first: 1) { totalCount } }' } });
      expect({ errors: body.errors, ...leaks(text) }).toEqual({
        errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'assets', requestId: headers.get('x-request-id') } }],
        stack: false,
        address: false,
      });
    });

    it('a subgraph answering malformed JSON: DOWNSTREAM_SERVICE_ERROR naming it, no stack, no address', async () => {
      const { body, text } = await send(gatewayUrl, { token: userToken, body: { query: '{ incidents(first: 1) { totalCount } }' } });
      expect({ errors: body.errors, ...leaks(text) }).toEqual({
        errors: [expect.objectContaining({ extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'incidents' } })],
        stack: false,
        address: false,
      });
    });
  });
});
