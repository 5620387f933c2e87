import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getOperationAST, parse } from 'graphql';
import { readCostDirectives } from '../gateway/src/cost/cost-directives';
import { DEFAULT_MAX_COST } from '../gateway/src/cost/config';
import { estimateCost } from '../gateway/src/cost/estimate-cost';
import { apiSchemaFromSupergraph } from '../gateway/src/persisted-operations/api-schema';
import { readOperation, startGraph, type Graph } from './support/graph';
import { describeWithRedis, send, uniqueName } from './support/raw-http';

const supergraphSdl = readFileSync(join(__dirname, '..', 'schema', 'supergraph.graphql'), 'utf8');
const apiSchema = apiSchemaFromSupergraph(supergraphSdl);
const costDirectives = readCostDirectives(supergraphSdl);

/** The static cost the gateway computes for a document (10 is its size for a list without @listSize). */
function estimatedCost(query: string): number {
  const document = parse(query);
  return estimateCost(apiSchema, document, getOperationAST(document)!, {}, costDirectives, { defaultListSize: 10 });
}

const INCIDENT_BOARD = readOperation('IncidentBoard');
const INCIDENT_BOARD_COST = estimatedCost(INCIDENT_BOARD);

/** Small limits for users, a small cost budget, three requests per minute for scripts, batches of three. */
const TIGHT_POLICIES = {
  user: { limits: { maxBytes: 400, maxTokens: 100, maxDepth: 5, maxAliases: 3, maxRootFields: 3, maxDirectives: 3, maxFields: 25 }, maxCost: 500 },
  script: { rateLimit: { requests: 3, windowMs: 60_000 } },
};
const TIGHT_ENV = { CLIENT_POLICIES: JSON.stringify(TIGHT_POLICIES), BATCH_MAX_OPERATIONS: '3' };

let graph: Graph;
/** A gateway with the tight policies, on the same subgraphs as graph's (which keeps the defaults). */
let tightUrl: string;
let userToken: string;

beforeAll(async () => {
  // The change relay's sweep is a round trip of its own: lengthened, so that counting a request's round trips counts only its own.
  graph = await startGraph({ demoDataScale: 0.02, changeSweepIntervalMs: 3_600_000 });
  tightUrl = (await graph.startGateway(TIGHT_ENV)).url;
  userToken = await graph.token();
});

afterAll(async () => {
  await graph?.close();
});

const COMMENT = `# ${'x'.repeat(500)}\n`;
const VARIABLES = Array.from({ length: 30 }, (_, i) => `$v${i}: Int`).join(' ');

describe('operation limits, per client kind (here: users, via CLIENT_POLICIES)', () => {
  it.each([
    ['maxBytes', `${COMMENT}{ __typename }`, Buffer.byteLength(`${COMMENT}{ __typename }`), 400],
    // Counted exactly, once per text; no text is lexed past the largest maxTokens of any kind (2,000 here).
    ['maxTokens', `query Tokens(${VARIABLES}) { __typename }`, 127, 100],
    ['maxDepth', '{ users(first: 1) { edges { node { groups { members(first: 1) { totalCount } } } } } }', 6, 5],
    ['maxAliases', '{ users(first: 1) { a: totalCount b: totalCount c: totalCount d: totalCount } }', 4, 3],
    ['maxRootFields', '{ __typename users(first: 1) { totalCount } groups(first: 1) { totalCount } assets(first: 1) { totalCount } }', 4, 3],
    [
      'maxDirectives',
      '{ users(first: 1) { totalCount @include(if: true) pageInfo @include(if: true) { hasNextPage @skip(if: false) endCursor @skip(if: false) } } }',
      4,
      3,
    ],
    [
      // Fragments count where they are spread: 1 + 3 x 3 x 4 fields from a short document.
      'maxFields',
      `{ users(first: 1) { ...Nine } }
       fragment Nine on UserConnection { ...Three ...Three ...Three }
       fragment Three on UserConnection { ...One ...One ...One }
       fragment One on UserConnection { totalCount pageInfo { hasNextPage endCursor } }`,
      37,
      25,
    ],
  ])('refuses an operation over %s with 400, naming the limit and the value seen', async (limit, query, value, maximum) => {
    const { status, body } = await send(tightUrl, { token: userToken, body: { query } });
    expect(status).toBe(400);
    expect(body).toEqual({ errors: [{ message: `Operation exceeds ${limit} for user clients: ${value} > ${maximum}`, extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit, value, maximum } }] });
  });

  it('serves an operation within every limit on the same gateway', async () => {
    const { status, body } = await send(tightUrl, { token: userToken, body: { query: '{ users(first: 1) { totalCount edges { node { uid } } } }' } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });
});

describe('array batching', () => {
  const operations = (count: number) => Array.from({ length: count }, (_, i) => ({ query: `query Batch${i} { users(first: ${i + 1}) { edges { node { uid } } } }` }));

  it('is off by default: an array is refused with 400 BATCHING_NOT_ALLOWED', async () => {
    const { status, body } = await send(graph.url, { token: userToken, body: operations(2) });
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'BATCHING_NOT_ALLOWED' } })]);
  });

  it('when on, runs up to BATCH_MAX_OPERATIONS operations and refuses a larger array, naming the limit', async () => {
    const allowed = await send(tightUrl, { token: userToken, body: operations(3) });
    expect(allowed.status).toBe(200);
    expect(allowed.body.map((result: any) => result.data.users.edges.length)).toEqual([1, 2, 3]);

    const refused = await send(tightUrl, { token: userToken, body: operations(4) });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'BATCH_LIMIT_EXCEEDED', limit: 'batchMaxOperations', value: 4, maximum: 3 } }),
    ]);
  });
});

describe('demand control', () => {
  it('refuses an operation whose estimated cost is over the budget with COST_ESTIMATED_TOO_EXPENSIVE, the estimate and the budget', async () => {
    const query = '{ incidents(first: 100) { edges { node { uid timeline { at } affectedAssets { role } } } } }';
    const cost = estimatedCost(query);
    expect(cost).toBeGreaterThan(TIGHT_POLICIES.user.maxCost);
    const before = graph.stats.incidents.roundTrips;

    const { status, body } = await send(tightUrl, { token: userToken, body: { query } });
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost, budget: 500 } })]);
    expect(body.errors[0].message).toContain(`${cost}`);
    // Refused before any subgraph ran it.
    expect(graph.stats.incidents.roundTrips).toBe(before);
  });

  it(`keeps IncidentBoard (estimated cost ${INCIDENT_BOARD_COST}) within the default user budget of ${DEFAULT_MAX_COST.user}`, async () => {
    expect(INCIDENT_BOARD_COST).toBeLessThan(DEFAULT_MAX_COST.user);
    const { status, body } = await send(graph.url, { token: userToken, body: { query: INCIDENT_BOARD } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.incidents.edges.length).toBeGreaterThan(0);
  });
});

describe('request rate limits (scripts: 3 per minute via CLIENT_POLICIES)', () => {
  it('answers the request past the budget with 429, Retry-After, RateLimit headers and RATE_LIMITED', async () => {
    const token = await graph.token({ kind: 'script', sub: uniqueName('rate-limited-script') });
    const ask = () => send(tightUrl, { token, body: { query: '{ users(first: 1) { totalCount } }' } });
    for (let remaining = 2; remaining >= 0; remaining -= 1) {
      const allowed = await ask();
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('ratelimit')).toMatch(new RegExp(`^limit=3, remaining=${remaining}, reset=\\d+$`));
    }

    const { status, headers, body } = await ask();
    expect(status).toBe(429);
    expect(Number(headers.get('retry-after'))).toBeGreaterThan(0);
    expect(headers.get('ratelimit-policy')).toBe('3;w=60');
    expect(headers.get('ratelimit')).toMatch(/^limit=3, remaining=0, reset=\d+$/);
    expect(body.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'RATE_LIMITED', limit: 'requests', retryAfterSeconds: Number(headers.get('retry-after')) } }),
    ]);
    expect(body.data).toBeUndefined();
  });
});

describeWithRedis('request rate limits shared by two gateways through one Redis', (redisUrl) => {
  it('spends one budget whichever gateway a request reaches', async () => {
    const [first, second] = await Promise.all([graph.startGateway({ ...TIGHT_ENV, REDIS_URL: redisUrl }), graph.startGateway({ ...TIGHT_ENV, REDIS_URL: redisUrl })]);
    const token = await graph.token({ kind: 'script', sub: uniqueName('shared-budget-script') });
    const ask = (url: string) => send(url, { token, body: { query: '{ users(first: 1) { totalCount } }' } });

    const statuses = [];
    for (const url of [first.url, second.url, first.url, second.url]) statuses.push((await ask(url)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('GraphQL over HTTP', () => {
  const GRAPHQL_RESPONSE = 'application/graphql-response+json';

  it('with Accept application/graphql-response+json, answers a document that does not parse with 400', async () => {
    const { status, headers, body } = await send(graph.url, { token: userToken, headers: { accept: GRAPHQL_RESPONSE }, body: { query: '{ users(first: 1) { totalCount ' } });
    expect(status).toBe(400);
    expect(headers.get('content-type')).toContain(GRAPHQL_RESPONSE);
    expect(body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('with Accept application/graphql-response+json, answers a document that fails validation with 422', async () => {
    const { status, headers, body } = await send(graph.url, { token: userToken, headers: { accept: GRAPHQL_RESPONSE }, body: { query: '{ users(first: 1) { noSuchField } }' } });
    expect(status).toBe(422);
    expect(headers.get('content-type')).toContain(GRAPHQL_RESPONSE);
    expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('with Accept application/json, keeps the legacy 400 for a document that fails validation', async () => {
    const { status, headers, body } = await send(graph.url, { token: userToken, headers: { accept: 'application/json' }, body: { query: '{ users(first: 1) { noSuchField } }' } });
    expect(status).toBe(400);
    expect(headers.get('content-type')).toContain('application/json');
    expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a mutation over GET with 405 and Allow: POST', async () => {
    const { status, headers } = await send(graph.url, {
      method: 'GET',
      token: userToken,
      headers: { accept: GRAPHQL_RESPONSE, 'apollo-require-preflight': 'true' },
      params: { query: 'mutation { addIncidentNote(uid: "inc-acme-00001", note: "over GET") { uid } }' },
    });
    expect(status).toBe(405);
    expect(headers.get('allow')).toBe('POST');
  });

  it('refuses a form-encoded POST with 415', async () => {
    const { status, body } = await send(graph.url, {
      token: userToken,
      headers: { accept: GRAPHQL_RESPONSE, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: '{ users(first: 1) { totalCount } }' }).toString(),
    });
    expect(status).toBe(415);
    expect(body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a body over the size limit with 413 before parsing it', async () => {
    const { status, body } = await send(graph.url, {
      token: userToken,
      headers: { accept: GRAPHQL_RESPONSE },
      body: { query: '{ users(first: 1) { totalCount } }', variables: { padding: 'x'.repeat(1_100_000) } },
    });
    expect(status).toBe(413);
    expect(body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
