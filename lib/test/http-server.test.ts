import { request as httpRequest } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { close, createGraphQLHttpServer, listen } from '../http-server';
import { createLogger } from '../logger';

/*
 * One request, one value: a GraphQL request carries its operation in one place (a GET in its query string, a
 * POST in its body), so nothing downstream can check one copy and execute another.
 */

interface Answer {
  status: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

/** One request as given, body and all (fetch refuses a GET with a body). */
function send(url: string, method: 'GET' | 'POST', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) };
    const outgoing = httpRequest(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('the GraphQL HTTP front', () => {
  let base: string;
  let apollo: ApolloServer;
  let server: ReturnType<typeof createGraphQLHttpServer>;
  /** Requests that reached Apollo Server: each one built a context. */
  let executed = 0;

  beforeAll(async () => {
    apollo = new ApolloServer({ typeDefs: 'type Query { greeting: String }', resolvers: { Query: { greeting: () => 'hello' } } });
    await apollo.start();
    server = createGraphQLHttpServer({
      apollo,
      logger: createLogger('http-test', 'silent'),
      readiness: async () => ({ ready: true, checks: {} }),
      context: async () => {
        executed += 1;
        return {};
      },
    });
    const address = await listen(server, 0, '127.0.0.1');
    base = `http://127.0.0.1:${address.port}/graphql`;
  });
  afterAll(async () => {
    await close(server);
    await apollo.stop();
  });
  beforeEach(() => {
    executed = 0;
  });

  it('refuses a GET that carries a body with 400, saying to send a POST, and executes nothing', async () => {
    const answer = await send(`${base}?query=${encodeURIComponent('{ greeting }')}`, 'GET', JSON.stringify({ query: '{ __schema { types { name } } }' }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      { message: 'A GET request carries its operation in the query string and has no body; send a POST to send a body', extensions: { code: 'BAD_REQUEST' } },
    ]);
    expect(executed).toBe(0);
  });

  it.each(['query', 'operationName', 'variables', 'extensions', 'documentId', 'doc_id'])(
    'refuses a POST whose URL carries %s with 400, naming it, and executes nothing',
    async (parameter) => {
      const answer = await send(`${base}?${parameter}=x`, 'POST', JSON.stringify({ query: '{ greeting }' }));
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([
        { message: `A POST request carries its operation in its body; remove ${parameter} from the URL's query string`, extensions: { code: 'BAD_REQUEST' } },
      ]);
      expect(executed).toBe(0);
    },
  );

  it('serves a GET without a body, and a POST whose URL carries only other parameters', async () => {
    expect(await send(`${base}?query=${encodeURIComponent('{ greeting }')}`, 'GET')).toEqual({ status: 200, body: { data: { greeting: 'hello' } } });
    expect(await send(`${base}?tracking=1`, 'POST', JSON.stringify({ query: '{ greeting }' }))).toEqual({ status: 200, body: { data: { greeting: 'hello' } } });
    expect(executed).toBe(2);
  });
});
