import { createHmac, createPublicKey, type JsonWebKey } from 'node:crypto';
import { dirname, join } from 'node:path';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { PRINCIPAL_HEADER, signPrincipal } from '../lib/principal';
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER } from '../lib/authentication/config';
import { loadOrCreateDevelopmentKey, type DevelopmentKey } from '../lib/authentication/development-key';
import { sha256Hex } from '../gateway/src/pipeline/documents';
import { startGraph, type Graph } from './support/graph';
import { apq, describeWithRedis, sendRaw, type RawExchange } from './support/raw-http';

/**
 * The attack suite: what an attacker tries, grouped as an attack run groups it, against the gateway in its
 * production configuration (NODE_ENV=production, keys from a JWKS file, Redis, the trusted documents in enforce
 * mode), and the transport and denial-of-service groups against a development gateway as `npm start` runs it.
 * Each attack is one request (or a few) and one assertion that it was refused or did no harm. Each was checked
 * once to fail with its defence removed.
 */

const root = join(__dirname, '..');
const PERSISTED_QUERIES = join(root, 'schema', 'persisted-queries');
const PARTNER_INCIDENTS_ID = (require(join(PERSISTED_QUERIES, 'clients', 'partner-x.json')) as { operations: Array<{ id: string }> }).operations[0].id;
const INCIDENT_BOARD_ID = (require(join(PERSISTED_QUERIES, 'manifest.json')) as { operations: Array<{ id: string; name: string }> }).operations.find((o) => o.name === 'IncidentBoard')!.id;
const ALL_SCOPES = 'identity:read pii:read assets:read vulnerabilities:read incidents:read incidents:write';
const ADHOC = '{ incidents(first: 2) { edges { node { uid title description timeline { message actor { uid name } } } } } }';

/** What a refusal is asserted by: its status, its first error's code and, for a limit, which one; never data. */
function refusal({ status, body }: RawExchange) {
  const extensions = body?.errors?.[0]?.extensions ?? {};
  return { status, code: extensions.code, ...(extensions.limit === undefined ? {} : { limit: extensions.limit }), data: body?.data ?? undefined };
}

const now = () => Math.floor(Date.now() / 1000);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = (overrides: JWTPayload = {}): JWTPayload => ({
  sub: 'usr-acme-00001',
  tenant: 'acme',
  scope: ALL_SCOPES,
  client_kind: 'user',
  iss: DEVELOPMENT_ISSUER,
  aud: DEVELOPMENT_AUDIENCE,
  iat: now(),
  exp: now() + 600,
  ...overrides,
});

describeWithRedis('the attack suite', () => {
  let graph: Graph;
  let key: DevelopmentKey;
  /** The gateway as production runs it, and one as `npm start` runs it (development), on the same subgraphs. */
  let production: string;
  let development: string;
  let user: string;
  let globex: string;
  let partner: string;
  let script: string;

  beforeAll(async () => {
    graph = await startGraph({ demoDataScale: 0.05, production: true, gatewayEnv: { PERSISTED_QUERIES, PERSISTED_QUERIES_MODE: 'enforce' } });
    production = graph.url;
    development = (await graph.startGateway({ NODE_ENV: 'development' })).url;
    const keySource = graph.gatewayConfig().authentication.tokens.keySource;
    if (keySource.kind !== 'jwks-file') throw new TypeError('the production harness publishes its key as a JWKS file');
    key = await loadOrCreateDevelopmentKey(dirname(keySource.path));
    user = await graph.token({ scopes: ALL_SCOPES.split(' ') });
    globex = await graph.token({ sub: 'usr-globex-00001', tenant: 'globex', scopes: ALL_SCOPES.split(' ') });
    partner = await graph.token({ kind: 'partner', sub: 'partner-x-feed', clientId: 'partner-x', scopes: ['incidents:read', 'incidents:write'] });
    script = await graph.token({ kind: 'script', sub: 'nightly', clientId: 'nightly-report' });
  });

  afterAll(async () => {
    await graph?.close();
  });

  const post = (body: unknown, token: string | undefined = user, url = production) => sendRaw(url, { method: 'POST', token, body, headers: { 'content-type': 'application/json' } });
  const signed = (payload: JWTPayload) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  const PROBE = { query: '{ users(first: 1) { totalCount } }' };

  describe('forged tokens', () => {
    it.each<[string, () => Promise<string>]>([
      ['an unsigned token (alg none)', async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`],
      [
        'HS256 signed with the public key as the secret',
        async () => {
          const pem = createPublicKey({ key: key.publicJwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
          const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${base64url(claims())}`;
          return `${unsigned}.${createHmac('sha256', pem).update(unsigned).digest('base64url')}`;
        },
      ],
      ['an expired token', () => signed(claims({ iat: now() - 3600, exp: now() - 120 }))],
      ['a token not valid yet', () => signed(claims({ nbf: now() + 600 }))],
      ['a token from another issuer', () => signed(claims({ iss: 'https://evil.example/' }))],
      ['a token for another audience', () => signed(claims({ aud: 'another-api' }))],
      ['a token signed by a stranger under the real kid', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign((await generateKeyPair('ES256')).privateKey)],
      ['a genuine token whose tenant was changed', async () => { const [header, , signature] = (await signed(claims())).split('.'); return `${header}.${base64url(claims({ tenant: 'globex' }))}.${signature}`; }],
      ['a token without a tenant', () => signed(claims({ tenant: undefined }))],
      ['a token without an expiry', () => signed(claims({ exp: undefined }))],
      ['a token claiming an unknown client kind', () => signed(claims({ client_kind: 'admin' }))],
    ])('%s: 401 UNAUTHENTICATED, nothing read', async (_attack, forge) => {
      expect(refusal(await post(PROBE, await forge()))).toEqual({ status: 401, code: 'UNAUTHENTICATED', data: undefined });
    });

    it('a token in the query string instead of the header: not taken', async () => {
      const response = await sendRaw(production, { method: 'GET', search: { query: PROBE.query, access_token: user }, headers: { 'apollo-require-preflight': 'true' } });
      expect(refusal(response)).toEqual({ status: 401, code: 'UNAUTHENTICATED', data: undefined });
    });

    it('a 20 KB token: 431 with a JSON error naming the header limit, not an empty answer', async () => {
      const response = await post(PROBE, `${user}${'A'.repeat(20_000)}`);
      expect({ ...refusal(response), names: /16384 bytes/.test(response.body.errors[0].message) }).toEqual({ status: 431, code: 'REQUEST_HEADER_FIELDS_TOO_LARGE', data: undefined, names: true });
    });
  });

  describe('tenant crossing', () => {
    const incidentOf = async (token: string) => (await post({ query: '{ incidents(first: 1) { edges { node { uid } } } }' }, token)).body.data.incidents.edges[0].node.uid as string;

    it("a globex token looking up an acme incident by uid: null, not even a hint that it exists", async () => {
      const uid = await incidentOf(user);
      expect((await post({ query: `{ incident(uid: "${uid}") { uid title } }` }, globex)).body).toEqual({ data: { incident: null } });
    });

    it("a globex token walking an acme cursor: only globex incidents", async () => {
      const page = (await post({ query: '{ incidents(first: 2) { pageInfo { endCursor } } }' })).body.data.incidents.pageInfo.endCursor as string;
      const { body } = await post({ query: `{ incidents(first: 5, after: "${page}") { edges { node { tenant } } } }` }, globex);
      for (const edge of body.data?.incidents?.edges ?? []) expect(edge.node.tenant).toBe('globex');
    });

    it("a globex writer changing an acme incident: refused, the incident unchanged", async () => {
      const uid = await incidentOf(user);
      const before = (await post({ query: `{ incident(uid: "${uid}") { status timeline { message } } }` })).body.data.incident;
      const { body } = await post({ query: `mutation { addIncidentNote(uid: "${uid}", note: "pwned") { uid } }` }, globex);
      expect(body.data?.addIncidentNote ?? null).toBeNull();
      expect((await post({ query: `{ incident(uid: "${uid}") { status timeline { message } } }` })).body.data.incident).toEqual(before);
    });

    it.each<[string, () => string | undefined]>([
      ['no principal header', () => undefined],
      ['a principal header signed with another secret', () => signPrincipal({ sub: 'x', tenant: 'acme', kind: 'user', scopes: ['incidents:read'] }, Buffer.from('not-the-shared-secret-not-the-shared-secret'))],
      ['an expired principal header', () => signPrincipal({ sub: 'x', tenant: 'acme', kind: 'user', scopes: ['incidents:read'] }, Buffer.from(graph.gatewayEnv.PRINCIPAL_SECRET), Date.now() - 3_600_000)],
      [
        'a principal header whose tenant was changed',
        () => {
          const [, signature] = signPrincipal({ sub: 'x', tenant: 'globex', kind: 'user', scopes: ['incidents:read'] }, Buffer.from(graph.gatewayEnv.PRINCIPAL_SECRET)).split('.');
          return `${base64url({ sub: 'x', tenant: 'acme', kind: 'user', scopes: ['incidents:read'], exp: now() + 60 })}.${signature}`;
        },
      ],
    ])('_entities straight to the incidents subgraph with %s: 401', async (_attack, header) => {
      const value = header();
      const response = await sendRaw(graph.subgraphUrls.incidents, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(value ? { [PRINCIPAL_HEADER]: value } : {}) },
        body: { query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Incident { uid title } } }', variables: { r: [{ __typename: 'Incident', uid: 'inc-acme-00001' }] } },
      });
      expect({ status: response.status, data: response.body?.data }).toEqual({ status: 401, data: undefined });
    });
  });

  describe('scope bypass', () => {
    const reader = () => graph.token({ scopes: ['identity:read'] });

    it.each([
      ['through a fragment', '{ users(first: 1) { edges { node { ...Person } } } } fragment Person on User { uid email }'],
      ['through an alias', '{ users(first: 1) { edges { node { uid mail: email } } } }'],
      ['through an inline fragment', '{ users(first: 1) { edges { node { uid ... on User { email } } } } }'],
    ])('pii without pii:read %s: null with UNAUTHORIZED_FIELD_OR_TYPE', async (_attack, query) => {
      const { body } = await post({ query }, await reader());
      expect(JSON.stringify(body.data)).not.toContain('@');
      expect(body.errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    });

    it('a mutation without incidents:write: refused, nothing written', async () => {
      const { body } = await post({ query: 'mutation { createIncident(input: { title: "planted", severity: LOW }) { uid } }' }, await graph.token({ scopes: ['incidents:read'] }));
      expect(body.data).toEqual({ createIncident: null });
    });

    it('introspection with a user token in production: 403', async () => {
      expect(refusal(await post({ query: '{ __schema { types { name } } }' }))).toEqual({ status: 403, code: 'FORBIDDEN', data: undefined });
    });
  });

  describe('persisted-operation bypass, in every transport form', () => {
    const preflight = { 'apollo-require-preflight': 'true' };

    it('an ad hoc partner query over POST: PERSISTED_QUERY_ID_REQUIRED', async () => {
      expect(refusal(await post({ query: ADHOC }, partner))).toEqual({ status: 400, code: 'PERSISTED_QUERY_ID_REQUIRED', data: undefined });
    });

    it('an ad hoc partner query over GET: PERSISTED_QUERY_ID_REQUIRED', async () => {
      expect(refusal(await sendRaw(production, { method: 'GET', token: partner, search: { query: ADHOC }, headers: preflight }))).toEqual({ status: 400, code: 'PERSISTED_QUERY_ID_REQUIRED', data: undefined });
    });

    it.each([
      ['an empty JSON body', {}],
      ["a listed operation's documentId", { documentId: `sha256:${PARTNER_INCIDENTS_ID}` }],
    ])('a GET with an ad hoc query in its query string and %s in its body: 400, nothing runs', async (_attack, body) => {
      for (const url of [production, development]) {
        const response = await sendRaw(url, { method: 'GET', token: partner, search: { query: ADHOC }, body, headers: preflight });
        expect(refusal(response)).toEqual({ status: 400, code: 'BAD_REQUEST', data: undefined });
      }
    });

    it("a POST with a listed operation's id in its body and an ad hoc query in its query string: 400, nothing runs", async () => {
      const response = await sendRaw(production, { method: 'POST', token: partner, search: { query: ADHOC }, body: { documentId: `sha256:${PARTNER_INCIDENTS_ID}` }, headers: { 'content-type': 'application/json' } });
      expect(refusal(response)).toEqual({ status: 400, code: 'BAD_REQUEST', data: undefined });
    });

    it('a listed id with an ad hoc body beside it: CANNOT_SEND_PQ_ID_AND_BODY', async () => {
      expect(refusal(await post({ documentId: `sha256:${PARTNER_INCIDENTS_ID}`, query: ADHOC }, partner))).toEqual({ status: 400, code: 'CANNOT_SEND_PQ_ID_AND_BODY', data: undefined });
    });

    it('a partner registering its own document with APQ: FORBIDDEN', async () => {
      expect(refusal(await post({ query: ADHOC, extensions: apq(sha256Hex(ADHOC)) }, partner))).toEqual({ status: 403, code: 'FORBIDDEN', data: undefined });
    });

    it('extensions in the query string naming an unlisted hash: refused', async () => {
      const response = await sendRaw(production, { method: 'GET', token: partner, search: { extensions: apq('0'.repeat(64)) }, headers: preflight });
      expect(refusal(response)).toEqual({ status: 404, code: 'PERSISTED_QUERY_NOT_IN_LIST', data: undefined });
    });

    it("another client's listed operation: not in the partner's list", async () => {
      expect(refusal(await post({ documentId: `sha256:${INCIDENT_BOARD_ID}` }, partner))).toEqual({ status: 404, code: 'PERSISTED_QUERY_NOT_IN_LIST', data: undefined });
    });

    it('a batch carrying an ad hoc query beside a listed one: refused whole (batching is off)', async () => {
      expect(refusal(await post([{ documentId: `sha256:${PARTNER_INCIDENTS_ID}` }, { query: ADHOC }], partner))).toEqual({ status: 400, code: 'BATCHING_NOT_ALLOWED', data: undefined });
    });

    it('an ad hoc script query: QUERY_NOT_IN_SAFELIST', async () => {
      expect(refusal(await post({ query: ADHOC }, script))).toEqual({ status: 403, code: 'QUERY_NOT_IN_SAFELIST', data: undefined });
    });
  });

  describe('denial of service', () => {
    const limit = (name: string) => ({ status: 400, code: 'OPERATION_LIMIT_EXCEEDED', limit: name, data: undefined });
    const statuses = Array.from({ length: 20_000 }, (_, i) => ['NEW', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED'][i % 5]);
    const bothGateways = [['production', () => production], ['development', () => development]] as const;

    it.each(bothGateways)('20,000 values in one list variable (%s): maxListLength, before any subgraph is asked', async (_name, url) => {
      const query = 'query($s: [IncidentStatus!]) { incidents(first: 5, filter: { status: $s }) { totalCount } }';
      expect(refusal(await post({ query, variables: { s: statuses } }, user, url()))).toEqual(limit('maxListLength'));
    });

    it('a list literal of 500 values: maxListLength', async () => {
      const query = `{ incidents(first: 5, filter: { status: [${statuses.slice(0, 500).join(', ')}] }) { totalCount } }`;
      expect(refusal(await post({ query }))).toEqual(limit('maxListLength'));
    });

    it('many short lists adding up: maxListItems', async () => {
      const variables = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`s${i}`, statuses.slice(0, 99)]));
      const definitions = Object.keys(variables).map((name) => `$${name}: [IncidentStatus!]`).join(' ');
      const fields = Object.keys(variables).map((name, i) => `c${i}: incidents(first: 1, filter: { status: $${name} }) { totalCount }`).slice(0, 10).join(' ');
      expect(refusal(await post({ query: `query(${definitions}) { ${fields} }`, variables }))).toEqual(limit('maxListItems'));
    });

    it.each([
      ['first: null', 'null'],
      ['first left out', undefined],
    ])('%s is costed as the page the resolver serves (20), not as 10', async (_attack, first) => {
      const argument = (value: string | undefined) => (value === undefined ? '' : `(first: ${value})`);
      // 16,861 with first: 20; the estimator once assumed 10 for a null or missing first, 4,231, under the budget.
      const shape = (value: string | undefined) => `{ users${argument(value)} { edges { node { uid incidents${argument(value)} { edges { node { uid timeline { actor { uid } } } } } } } } }`;
      const twenty = await post({ query: shape('20') });
      const attack = await post({ query: shape(first) });
      expect(refusal(twenty)).toEqual({ status: 400, code: 'COST_ESTIMATED_TOO_EXPENSIVE', data: undefined });
      expect({ ...refusal(attack), cost: attack.body.errors[0].extensions.cost }).toEqual({ ...refusal(twenty), cost: twenty.body.errors[0].extensions.cost });
    });

    it('101 aliases: maxAliases', async () => {
      expect(refusal(await post({ query: `{ ${Array.from({ length: 101 }, (_, i) => `a${i}: __typename`).join(' ')} }` }))).toEqual(limit('maxAliases'));
    });

    it('depth 16: maxDepth', async () => {
      const query = `{ users(first: 1) { edges { node { ${'groups(first: 1) { edges { node { members(first: 1) { edges { node { '.repeat(2)} uid ${'} } } } } } '.repeat(2)} } } } }`;
      expect(refusal(await post({ query }))).toEqual(limit('maxDepth'));
    });

    it('a 750-level owner/ownedAssets chain: refused unread, by maxBytes', async () => {
      const query = `{ users(first: 1) { edges { node { ${'ownedAssets(first: 1) { edges { node { owner { '.repeat(750)} uid ${'} } } } '.repeat(750)} } } } }`;
      expect(refusal(await post({ query }))).toEqual(limit('maxBytes'));
    });

    it('600 unknown directives: maxDirectives before validation, one short error instead of one per directive', async () => {
      const response = await post({ query: `{ __typename ${Array.from({ length: 600 }, (_, i) => `@d${i}`).join(' ')} }` });
      expect({ ...refusal(response), errors: response.body.errors.length, short: response.text.length < 500 }).toEqual({ ...limit('maxDirectives'), errors: 1, short: true });
    });

    it('15 unknown directives, under maxDirectives: at most 10 validation errors', async () => {
      const response = await post({ query: `{ __typename ${Array.from({ length: 15 }, (_, i) => `@d${i}`).join(' ')} }` });
      expect({ ...refusal(response), bounded: response.body.errors.length <= 11 }).toEqual({ status: 400, code: 'GRAPHQL_VALIDATION_FAILED', data: undefined, bounded: true });
    });

    it('a fragment bomb: maxFields', async () => {
      // 3^7 = 2,187 fields from a document of a few hundred bytes.
      const levels = Array.from({ length: 7 }, (_, i) => `fragment F${i} on UserConnection { ...F${i + 1} ...F${i + 1} ...F${i + 1} }`);
      const query = `{ users(first: 1) { ...F0 } } ${levels.join(' ')} fragment F7 on UserConnection { totalCount }`;
      expect(refusal(await post({ query }))).toEqual(limit('maxFields'));
    });

    it('a 2 MB body: 413 before it is parsed', async () => {
      expect(refusal(await post({ query: `{ __typename } # ${'x'.repeat(2_000_000)}` }))).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE', data: undefined });
    });

    it.each([
      ['arrays', '[', ']'],
      ['objects', '{"a":', '}'],
    ])('variables nested 100,000 %s deep: maxInputDepth, not a crash', async (_shape, open, shut) => {
      const body = `{"query":"{ __typename }","variables":{"v":${open.repeat(100_000)}1${shut.repeat(100_000)}}}`;
      const response = await sendRaw(production, { method: 'POST', token: user, headers: { 'content-type': 'application/json' }, rawBody: body });
      expect(refusal(response)).toEqual(limit('maxInputDepth'));
      expect((await post(PROBE)).status).toBe(200);
    });

    it('circular introspection (fields of types of fields, nested): refused in development, where introspection is open', async () => {
      const query = '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }';
      expect(refusal(await post({ query }, user, development))).toEqual({ status: 400, code: 'GRAPHQL_VALIDATION_FAILED', data: undefined });
    });
  });

  describe('information leaks', () => {
    const leaks = (text: string) => ({ suggestion: /did you mean/i.test(text), stack: /stacktrace|\bat \/|\.ts:\d+/.test(text) });

    it.each([
      ['a misspelt field', { query: '{ users(first: 1) { totalCoun } }' }],
      ['a misspelt enum value in a variable', { query: 'query($s: Severity) { incidents(first: 1, filter: { severityAtLeast: $s }) { totalCount } }', variables: { s: 'HIG' } }],
      ['a misspelt input field in a variable', { query: 'query($f: IncidentFilter) { incidents(first: 1, filter: $f) { totalCount } }', variables: { f: { severityAtLest: 'HIGH' } } }],
    ])('%s in production: refused without "Did you mean" and without a stack', async (_attack, body) => {
      const response = await post(body);
      expect({ status: response.status, ...leaks(response.text) }).toEqual({ status: 400, suggestion: false, stack: false });
    });

    it('a token for another audience in production: the answer does not name the expected issuer or audience', async () => {
      const response = await post(PROBE, await signed(claims({ aud: 'another-api', iss: 'https://evil.example/' })));
      expect({ status: response.status, issuer: response.text.includes(DEVELOPMENT_ISSUER), audience: response.text.includes(`"${DEVELOPMENT_AUDIENCE}"`) }).toEqual({ status: 401, issuer: false, audience: false });
    });

    it('/metrics on the public port: not served (it is on the metrics listener only)', async () => {
      expect((await sendRaw(production.replace('/graphql', '/metrics'), { method: 'GET' })).status).toBe(404);
    });

    it('no response names the runtime or its version', async () => {
      const response = await post(PROBE);
      expect({ poweredBy: response.headers.get('x-powered-by'), server: response.headers.get('server'), node: /node|v\d+\.\d+\.\d+/i.test(response.text) }).toEqual({ poweredBy: null, server: null, node: false });
    });

    it("/readyz names the subgraphs' states, never their addresses", async () => {
      const response = await sendRaw(production.replace('/graphql', '/readyz'), { method: 'GET' });
      expect({ status: response.status, addresses: /127\.0\.0\.1|localhost|:\d{4,5}/.test(response.text) }).toEqual({ status: 200, addresses: false });
    });

    it('a NUL byte in a uid: BAD_USER_INPUT, no internal error', async () => {
      const { body } = await post({ query: 'query($uid: ID!) { user(uid: $uid) { uid } }', variables: { uid: 'usr-acme-\u0000' } });
      expect(body.errors?.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['BAD_USER_INPUT']);
    });
  });
});
