import { createServer, type Server } from 'node:http';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../../lib/errors';
import { close, createGraphQLHttpServer, listen } from '../../../lib/http-server';
import { DocumentCache } from '../pipeline/documents';
import { Federation } from '../pipeline/federation';
import { fetchChain, RequestPipeline } from '../pipeline/pipeline';
import { SubgraphClient } from '../pipeline/subgraph-client';
import { SubgraphRequestError } from '../pipeline/subgraph-errors';
import { principal, silentLogger as logger, usePrincipal } from '../pipeline/test-fixtures';
import { RESILIENCE_DEFAULTS } from './config';
import { useResilience, type ResilienceOptions } from '.';
import { closedPort, sendFetch, sendJson } from './test-servers';

const PRODUCTS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { product(id: ID!): Product }
  type Product @key(fields: "id") { id: ID! name: String! }
`;
const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Product @key(fields: "id") { id: ID! reviews: [String!] }
  type Mutation { addReview(productId: ID!, text: String!): [String!]! }
`;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listening(server: Server): Promise<string> {
  const { port } = await listen(server, 0, '127.0.0.1');
  cleanups.push(() => close(server));
  return `http://127.0.0.1:${port}/graphql`;
}

/** A real subgraph: buildSubgraphSchema + Apollo Server behind lib/http-server on node:http. */
async function subgraphServer(sdl: string, resolvers: Record<string, unknown>): Promise<Server> {
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  cleanups.push(() => apollo.stop());
  return createGraphQLHttpServer({ apollo, logger, context: async () => ({}), readiness: async () => ({ ready: true, checks: {} }) });
}

async function productsUrl(): Promise<string> {
  const server = await subgraphServer(PRODUCTS_SDL, {
    Query: { product: (_: unknown, { id }: { id: string }) => ({ id, name: `Product ${id}` }) },
  });
  return listening(server);
}

/** The reviews subgraph behind a front that answers its first `failures` requests with 503. */
async function flakyReviews(failures: number) {
  const added: string[] = [];
  const real = await subgraphServer(REVIEWS_SDL, {
    Product: { __resolveReference: ({ id }: { id: string }) => ({ id, reviews: [`review of ${id}`, ...added] }) },
    Mutation: {
      addReview: (_: unknown, { text }: { text: string }) => {
        added.push(text);
        return added;
      },
    },
  });
  const seen = { requests: 0 };
  const front = createServer((request, response) => {
    seen.requests++;
    if (seen.requests <= failures) {
      request.resume();
      sendJson(response, 503, { errors: [{ message: 'reviews is restarting' }] });
    } else {
      real.emit('request', request, response);
    }
  });
  return { url: await listening(front), seen, added };
}

/**
 * The gateway's federation and pipeline over products and reviews, with useResilience (short backoffs) guarding
 * every subgraph fetch: what createGateway assembles, without HTTP and without the other behaviours.
 */
async function gatewayOver(urls: { products: string; reviews: string }, options: Partial<ResilienceOptions> = {}) {
  const composed = composeServices([
    { name: 'products', typeDefs: parse(PRODUCTS_SDL), url: urls.products },
    { name: 'reviews', typeDefs: parse(REVIEWS_SDL), url: urls.reviews },
  ]);
  if (composed.errors) throw composed.errors[0];
  const supergraphSdl = composed.supergraphSdl;
  const plugins = [usePrincipal(principal()), useResilience({ ...RESILIENCE_DEFAULTS, backoffBaseMs: 1, backoffCapMs: 5, ...options })];
  const federation = new Federation({
    supergraph: { initialize: async () => ({ supergraphSdl }) },
    subgraphUrl: (_name, url) => url!,
    chain: fetchChain(plugins),
    logger,
  });
  cleanups.push(() => federation.stop());
  await federation.load();
  const pipeline = new RequestPipeline({
    plugins,
    documents: new DocumentCache({ maxTokens: 1000 }),
    schema: () => federation.schema,
    execute: (operation, executable) => federation.execute(operation, executable),
    batchMaxOperations: 0,
    hideSuggestions: true,
    logger,
  });
  return {
    async execute(query: string): Promise<{ data?: unknown; errors?: readonly GraphQLFormattedError[] }> {
      const answer = await pipeline.run({ id: 'req-1', method: 'POST', headers: {}, params: { query } });
      return answer.body as { data?: unknown; errors?: readonly GraphQLFormattedError[] };
    },
  };
}

const PRODUCT_WITH_REVIEWS = '{ product(id: "p1") { id name reviews } }';

describe('a SubgraphClient guarded by useResilience', () => {
  it('serves a real subgraph, and rejects with DOWNSTREAM_SERVICE_ERROR naming it once it is down', async () => {
    const server = await subgraphServer(PRODUCTS_SDL, { Query: { product: (_: unknown, { id }: { id: string }) => ({ id, name: 'n' }) } });
    const url = await listening(server);
    const resilience = useResilience({ ...RESILIENCE_DEFAULTS, backoffBaseMs: 1, backoffCapMs: 5 });
    const client = new SubgraphClient({ subgraph: 'products', url, chain: fetchChain([resilience]), logger });
    cleanups.push(() => client.close());
    const request = () => sendFetch(client, '{ product(id: "1") { name } }');

    expect(await request()).toMatchObject({ data: { product: { name: 'n' } } });

    await close(server);
    const error = await request().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(SubgraphRequestError);
    expect((error as SubgraphRequestError).message).toBe('Request to subgraph "products" failed (ECONNREFUSED) after 3 attempts');
    expect((error as SubgraphRequestError).extensions).toEqual({ code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'products' });
  });
});

describe('what the gateway answers when a subgraph fails', () => {
  it('retries a query the planner sends to a subgraph that answered 503 twice, and answers in full', async () => {
    const reviews = await flakyReviews(2);
    const gateway = await gatewayOver({ products: await productsUrl(), reviews: reviews.url });
    const result = await gateway.execute(PRODUCT_WITH_REVIEWS);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ product: { id: 'p1', name: 'Product p1', reviews: ['review of p1'] } });
    expect(reviews.seen.requests).toBe(3);
  });

  it('sends a mutation once: the 503 becomes DOWNSTREAM_SERVICE_ERROR naming the subgraph, nothing is written', async () => {
    const reviews = await flakyReviews(2);
    const gateway = await gatewayOver({ products: await productsUrl(), reviews: reviews.url });
    const result = await gateway.execute('mutation { addReview(productId: "p1", text: "great") }');
    expect(reviews.seen.requests).toBe(1);
    expect(reviews.added).toEqual([]);
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([
      { message: 'Subgraph "reviews" answered HTTP 503', extensions: { code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'reviews' } },
    ]);
  });

  it('answers the fields of a subgraph that is down with null and one error naming it, without its address', async () => {
    const reviewsUrl = `http://127.0.0.1:${await closedPort()}/graphql`;
    const gateway = await gatewayOver({ products: await productsUrl(), reviews: reviewsUrl });
    const result = await gateway.execute(PRODUCT_WITH_REVIEWS);
    expect(result.data).toEqual({ product: { id: 'p1', name: 'Product p1', reviews: null } });
    expect(result.errors).toEqual([
      {
        message: 'Request to subgraph "reviews" failed (ECONNREFUSED) after 3 attempts',
        extensions: { code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'reviews' },
      },
    ]);
    expect(JSON.stringify(result.errors)).not.toContain(new URL(reviewsUrl).port);
  });

  it('answers "circuit open" once the circuit of a failing subgraph opened, without calling it', async () => {
    const reviews = await flakyReviews(Infinity);
    const gateway = await gatewayOver({ products: await productsUrl(), reviews: reviews.url }, { breakerFailureThreshold: 1, retries: 0 });
    expect((await gateway.execute(PRODUCT_WITH_REVIEWS)).errors?.[0].message).toBe('Subgraph "reviews" answered HTTP 503');
    const result = await gateway.execute(PRODUCT_WITH_REVIEWS);
    expect(reviews.seen.requests).toBe(1);
    expect(result.data).toEqual({ product: { id: 'p1', name: 'Product p1', reviews: null } });
    expect(result.errors).toEqual([
      {
        message: 'Subgraph "reviews" is unavailable (circuit open after repeated failures); try again later',
        extensions: { code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'reviews' },
      },
    ]);
  });
});
