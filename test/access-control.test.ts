import { createHmac, createPublicKey, randomBytes, type JsonWebKey } from 'node:crypto';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { DEMO_EPOCH, generateDemoData } from '../demo-data';
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../lib/principal';
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER } from '../lib/authentication/config';
import { loadOrCreateDevelopmentKey, type DevelopmentKey } from '../lib/authentication/development-key';
import { ALL_READ_SCOPES, postGraphQL, readOperation, startGraph, type Graph, type GraphQLResponse, type SubgraphName } from './support/graph';

const DEMO_DATA_SCALE = 0.1;
const demo = generateDemoData({ scale: DEMO_DATA_SCALE });
const ALL_SCOPES = [...ALL_READ_SCOPES, 'incidents:write'];
/** The error for a field removed at `path`, which names the scope that would have granted it. */
const unauthorized = (path: Array<string | number>, scope: string) => ({
  message: 'Unauthorized field or type',
  path,
  extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE', requiredScopes: expect.arrayContaining([expect.arrayContaining([scope])]) }),
});

/** An acme user with every protected field filled in: email, accounts, a device with findings, incidents. */
const subject = demo.identity.users.find(
  (u) =>
    u.tenant === 'acme' &&
    u.email !== null &&
    demo.identity.accounts.some((a) => a.userUid === u.uid) &&
    demo.assets.some((a) => a.ownerUid === u.uid && a.kind === 'DEVICE' && a.vulnerabilities.length > 0) &&
    demo.incidents.some((i) => i.assigneeUid === u.uid || i.affectedUserUids.includes(u.uid)),
)!;
const device = demo.assets.find((a) => a.ownerUid === subject.uid && a.kind === 'DEVICE' && a.vulnerabilities.length > 0)!;
const acmeIncident = demo.incidents.find((i) => i.tenant === 'acme' && i.status === 'NEW')!;
const acmeGroup = demo.identity.groups.find((g) => g.tenant === 'acme')!;
/** An acme incident that joins every other subgraph: an assignee, an assignee group and affected assets. */
const linkedIncident = demo.incidents.find((i) => i.tenant === 'acme' && i.assigneeUid && i.assigneeGroupUid && i.affectedAssets.length > 0)!;
const ofGlobex = <T extends { tenant: string; uid: string }>(records: T[]) => new Set(records.filter((r) => r.tenant === 'globex').map((r) => r.uid));

let graph: Graph;
let developmentKey: DevelopmentKey;

/** Another gateway on the same subgraphs with `env` on top of the harness's; requests need a token. */
async function startGateway(env: Record<string, string>) {
  const { gateway, url } = await graph.startGateway(env);
  return {
    request: (query: string, options: { token: string | null; variables?: Record<string, unknown> }) => postGraphQL(url, query, options.variables, options.token),
    close: () => gateway.close(),
  };
}

beforeAll(async () => {
  graph = await startGraph({ demoDataScale: DEMO_DATA_SCALE });
  const keySource = graph.gatewayConfig().authentication.tokens.keySource;
  if (keySource.kind !== 'development') throw new TypeError('the harness gateway is expected to use the development key');
  developmentKey = await loadOrCreateDevelopmentKey(keySource.directory);
});

afterAll(async () => {
  await graph?.close();
});

/** The value at a response path; undefined when a step is missing. */
function at(data: unknown, path: Array<string | number>): unknown {
  return path.reduce<unknown>((node, key) => (node === null || node === undefined ? undefined : (node as Record<string | number, unknown>)[key]), data);
}

/** usr-acme-00001 with every scope, writes included. */
const writer = () => graph.token({ scopes: ALL_SCOPES });

/** Opens a fresh acme incident (status NEW, nobody assigned) for a test that changes one. */
async function openIncident(title: string): Promise<string> {
  const { body } = await graph.request('mutation Open($title: String!) { createIncident(input: { title: $title, severity: LOW }) { uid } }', {
    variables: { title },
    token: await writer(),
  });
  expect(body.errors).toBeUndefined();
  return body.data!.createIncident.uid as string;
}

const INCIDENT_STATE = 'query State($uid: ID!) { incident(uid: $uid) { uid status updatedAt assignee { uid } timeline { kind message } } }';

/** An acme incident as its own tenant reads it back. */
async function incidentState(uid: string): Promise<Record<string, unknown> | null> {
  const { body } = await graph.request(INCIDENT_STATE, { variables: { uid }, token: await writer() });
  expect(body.errors).toBeUndefined();
  return body.data!.incident;
}

describe('forged and broken tokens, over HTTP', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (overrides: JWTPayload = {}): JWTPayload => ({
    sub: 'usr-acme-00001',
    tenant: 'acme',
    scope: ALL_SCOPES.join(' '),
    client_kind: 'user',
    iss: DEVELOPMENT_ISSUER,
    aud: DEVELOPMENT_AUDIENCE,
    iat: now(),
    exp: now() + 600,
    ...overrides,
  });
  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  /** Signed with the gateway's real development key: only the claims are wrong. */
  const signed = (payload: JWTPayload) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: developmentKey.kid, typ: 'JWT' }).sign(developmentKey.privateKey);
  const signedByStranger = async (kid: string) => {
    const { privateKey } = await generateKeyPair('ES256');
    return new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(privateKey);
  };

  it.each<[string, () => Promise<string>, string]>([
    ['an unsigned token (alg none)', async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`, 'token signed with an algorithm that is not allowed (none); allowed: RS256, ES256, EdDSA'],
    [
      'a token signed with HS256 using the public key as the secret',
      async () => {
        const publicPem = createPublicKey({ key: developmentKey.publicJwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
        const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT', kid: developmentKey.kid })}.${base64url(claims())}`;
        return `${unsigned}.${createHmac('sha256', publicPem).update(unsigned).digest('base64url')}`;
      },
      'token signed with an algorithm that is not allowed (HS256); allowed: RS256, ES256, EdDSA',
    ],
    ['a token whose kid names no known key', () => signedByStranger('retired-key'), 'unknown signing key (kid retired-key)'],
    ["a token signed by another key under the gateway's kid", () => signedByStranger(developmentKey.kid), 'invalid signature'],
    [
      'a genuine token whose tenant was changed to globex',
      async () => {
        const [header, , signature] = (await signed(claims())).split('.');
        return `${header}.${base64url(claims({ tenant: 'globex' }))}.${signature}`;
      },
      'invalid signature',
    ],
    ['a token from another issuer', () => signed(claims({ iss: 'https://evil.example/' })), `wrong issuer: expected "${DEVELOPMENT_ISSUER}"`],
    ['a token for another audience', () => signed(claims({ aud: 'another-api' })), `wrong audience: expected "${DEVELOPMENT_AUDIENCE}"`],
    ['an expired token', () => signed(claims({ iat: now() - 3600, exp: now() - 120 })), 'token expired'],
    ['a token not valid yet', () => signed(claims({ nbf: now() + 120 })), 'token not yet valid (nbf is in the future)'],
    ['a token without a tenant', () => signed(claims({ tenant: undefined })), 'missing claim tenant'],
  ])('refuses %s with 401, a Bearer invalid_token challenge saying why, and UNAUTHENTICATED', async (_case, makeToken, reason) => {
    const { status, headers, body } = await graph.request('{ users(first: 1) { totalCount } }', { token: await makeToken() });
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", error_description="${reason.replace(/["\\]/g, '\\$&')}"`);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{ message: reason, extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it('answers /healthz and /readyz without a token', async () => {
    const health = await fetch(`${graph.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${graph.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
  });
});

interface ScopeCase {
  /** The protected field or type, as the SDL names it. */
  coordinate: string;
  /** The scope the token lacks in the "without" half. */
  scope: string;
  query: string;
  /** Variables for the operation; mutations get a fresh incident here. */
  variables?: () => Promise<Record<string, unknown>>;
  /** Where the protected field's value is, and where null and the error go without the scope. */
  path: Array<string | number>;
  /** The error's path when it differs from `path`: in a list, "@" stands for every item. */
  errorPath?: string[];
  /** Data in the same operation that the scope does not guard: returned either way. */
  kept: Array<string | number>;
}

const USER = `user(uid: "${subject.uid}")`;
const freshIncident = async () => ({ uid: await openIncident('Scope matrix') });

const SCOPE_CASES: ScopeCase[] = [
  { coordinate: 'Query.user', scope: 'identity:read', query: `{ ${USER} { uid } incidents(first: 1) { totalCount } }`, path: ['user'], kept: ['incidents', 'totalCount'] },
  { coordinate: 'Query.users', scope: 'identity:read', query: '{ users(first: 1) { totalCount } incidents(first: 1) { totalCount } }', path: ['users'], kept: ['incidents', 'totalCount'] },
  { coordinate: 'Query.group', scope: 'identity:read', query: `{ group(uid: "${acmeGroup.uid}") { uid name } assets(first: 1) { totalCount } }`, path: ['group'], kept: ['assets', 'totalCount'] },
  { coordinate: 'Query.groups', scope: 'identity:read', query: '{ groups(first: 1) { totalCount } assets(first: 1) { totalCount } }', path: ['groups'], kept: ['assets', 'totalCount'] },
  { coordinate: 'User.email', scope: 'pii:read', query: `{ ${USER} { uid name email } }`, path: ['user', 'email'], kept: ['user', 'name'] },
  { coordinate: 'User.accounts', scope: 'pii:read', query: `{ ${USER} { uid name accounts { uid name } } }`, path: ['user', 'accounts'], kept: ['user', 'name'] },
  { coordinate: 'User.riskLevel', scope: 'pii:read', query: `{ ${USER} { uid name riskLevel } }`, path: ['user', 'riskLevel'], kept: ['user', 'name'] },
  {
    coordinate: 'User (the type, through Asset.owner)',
    scope: 'identity:read',
    query: `{ asset(uid: "${device.uid}") { uid name owner { uid name } } }`,
    path: ['asset', 'owner'],
    kept: ['asset', 'name'],
  },
  {
    coordinate: 'User (the type, through Incident.assignee)',
    scope: 'identity:read',
    query: `{ incident(uid: "${linkedIncident.uid}") { uid title assignee { uid name } } }`,
    path: ['incident', 'assignee'],
    kept: ['incident', 'title'],
  },
  {
    coordinate: 'Group (the type, through Incident.assigneeGroup)',
    scope: 'identity:read',
    query: `{ incident(uid: "${linkedIncident.uid}") { uid title assigneeGroup { uid } } }`,
    path: ['incident', 'assigneeGroup'],
    kept: ['incident', 'title'],
  },
  { coordinate: 'Query.asset', scope: 'assets:read', query: `{ asset(uid: "${device.uid}") { uid name } ${USER} { name } }`, path: ['asset'], kept: ['user', 'name'] },
  { coordinate: 'Query.assets', scope: 'assets:read', query: `{ assets(first: 1) { totalCount } ${USER} { name } }`, path: ['assets'], kept: ['user', 'name'] },
  { coordinate: 'User.ownedAssets', scope: 'assets:read', query: `{ ${USER} { name ownedAssets(first: 5) { totalCount } } }`, path: ['user', 'ownedAssets'], kept: ['user', 'name'] },
  {
    coordinate: 'Device.vulnerabilities',
    scope: 'vulnerabilities:read',
    query: `{ asset(uid: "${device.uid}") { uid ... on Device { hostname vulnerabilities(first: 5) { totalCount edges { node { cve { uid } } } } } } }`,
    path: ['asset', 'vulnerabilities'],
    kept: ['asset', 'hostname'],
  },
  {
    coordinate: 'Device, CloudResource, Application (the types, through AffectedAsset.asset)',
    scope: 'assets:read',
    query: `{ incident(uid: "${linkedIncident.uid}") { uid title affectedAssets { role asset { uid name } } } }`,
    path: ['incident', 'affectedAssets', 0, 'asset'],
    errorPath: ['incident', 'affectedAssets', '@', 'asset'],
    kept: ['incident', 'title'],
  },
  { coordinate: 'Query.incident', scope: 'incidents:read', query: `{ incident(uid: "${acmeIncident.uid}") { uid title } ${USER} { name } }`, path: ['incident'], kept: ['user', 'name'] },
  { coordinate: 'Query.incidents', scope: 'incidents:read', query: `{ incidents(first: 1) { totalCount } ${USER} { name } }`, path: ['incidents'], kept: ['user', 'name'] },
  {
    coordinate: 'Asset.incidents',
    scope: 'incidents:read',
    query: `{ asset(uid: "${linkedIncident.affectedAssets[0].uid}") { uid name incidents(first: 5) { totalCount edges { cursor } } } }`,
    path: ['asset', 'incidents'],
    kept: ['asset', 'name'],
  },
  { coordinate: 'User.incidents', scope: 'incidents:read', query: `{ ${USER} { name incidents(first: 5) { totalCount } } }`, path: ['user', 'incidents'], kept: ['user', 'name'] },
  {
    coordinate: 'Mutation.createIncident',
    scope: 'incidents:write',
    query: 'mutation { __typename createIncident(input: { title: "Scope matrix", severity: LOW }) { uid status } }',
    path: ['createIncident'],
    kept: ['__typename'],
  },
  {
    coordinate: 'Mutation.updateIncidentStatus',
    scope: 'incidents:write',
    query: 'mutation Update($uid: ID!) { __typename updateIncidentStatus(uid: $uid, status: IN_PROGRESS) { uid status } }',
    variables: freshIncident,
    path: ['updateIncidentStatus'],
    kept: ['__typename'],
  },
  {
    coordinate: 'Mutation.assignIncident',
    scope: 'incidents:write',
    query: `mutation Assign($uid: ID!) { __typename assignIncident(uid: $uid, assigneeUid: "${subject.uid}") { uid assignee { uid } } }`,
    variables: freshIncident,
    path: ['assignIncident'],
    kept: ['__typename'],
  },
  {
    coordinate: 'Mutation.addIncidentNote',
    scope: 'incidents:write',
    query: 'mutation Note($uid: ID!) { __typename addIncidentNote(uid: $uid, note: "Scope matrix") { uid timeline { kind } } }',
    variables: freshIncident,
    path: ['addIncidentNote'],
    kept: ['__typename'],
  },
];

describe('the scope matrix: every protected field and type of the schema', () => {
  describe.each(SCOPE_CASES)('$coordinate ($scope)', ({ scope, query, variables, path, errorPath, kept }) => {
    it('is answered to a token with the scope', async () => {
      const { status, body } = await graph.request(query, { token: await writer(), variables: await variables?.() });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(at(body.data, path)).not.toBeNull();
      expect(at(body.data, path)).toBeDefined();
      expect(at(body.data, kept)).toEqual(expect.anything());
    });

    it('is null with one UNAUTHORIZED_FIELD_OR_TYPE error at its path for a token without it; the rest is answered', async () => {
      const token = await graph.token({ scopes: ALL_SCOPES.filter((s) => s !== scope) });
      const { status, body } = await graph.request(query, { token, variables: await variables?.() });
      expect(status).toBe(200);
      expect(at(body.data, path)).toBeNull();
      expect(body.errors).toEqual([unauthorized(errorPath ?? path, scope)]);
      expect(at(body.data, kept)).toEqual(expect.anything());
    });
  });

  it('refuses User.riskLevel to a partner even with pii:read (policy internal), and still answers its email', async () => {
    const partner = await graph.token({ kind: 'partner', clientId: 'partner-x', scopes: ALL_READ_SCOPES });
    const { body } = await graph.request(`{ ${USER} { uid email riskLevel } }`, { token: partner });
    expect(body.data).toEqual({ user: { uid: subject.uid, email: subject.email, riskLevel: null } });
    expect(body.errors).toEqual([unauthorized(['user', 'riskLevel'], 'pii:read')]);
    expect(body.errors![0].extensions!.requiredPolicies).toEqual([['internal']]);

    const internal = await graph.request(`{ ${USER} { uid email riskLevel } }`, { token: await graph.token({ kind: 'script', scopes: ALL_READ_SCOPES }) });
    expect(internal.body.errors).toBeUndefined();
    expect(internal.body.data).toEqual({ user: { uid: subject.uid, email: subject.email, riskLevel: subject.riskLevel } });
  });

  it('writes nothing when a mutation is refused for lack of incidents:write', async () => {
    const uid = await openIncident('Refused writes');
    const before = await incidentState(uid);
    const readOnly = await graph.token({ scopes: ALL_READ_SCOPES });
    const { body } = await graph.request(
      `mutation All($uid: ID!) {
        updateIncidentStatus(uid: $uid, status: IN_PROGRESS) { uid }
        assignIncident(uid: $uid, assigneeUid: "${subject.uid}") { uid }
        addIncidentNote(uid: $uid, note: "must not land") { uid }
      }`,
      { token: readOnly, variables: { uid } },
    );
    expect(body.data).toEqual({ updateIncidentStatus: null, assignIncident: null, addIncidentNote: null });
    expect(body.errors).toHaveLength(3);
    expect(await incidentState(uid)).toEqual(before);

    const count = async () => (await graph.request('{ incidents(first: 1) { totalCount } }')).body.data!.incidents.totalCount as number;
    const total = await count();
    const created = await graph.request('mutation { createIncident(input: { title: "must not exist", severity: LOW }) { uid } }', { token: readOnly });
    expect(created.body.data).toEqual({ createIncident: null });
    expect(await count()).toBe(total);
  });

  describe('with AUTHORIZATION_MODE', () => {
    const query = `{ ${USER} { uid name email } }`;

    it('reject refuses the whole operation when one field is not allowed', async () => {
      const gateway = await startGateway({ AUTHORIZATION_MODE: 'reject' });
      try {
        const { body } = await gateway.request(query, { token: await graph.token({ scopes: ['identity:read'] }) });
        expect(body.data ?? null).toBeNull();
        expect(body.errors).toEqual([unauthorized(['user', 'email'], 'pii:read')]);

        const allowed = await gateway.request(query, { token: await graph.token({ scopes: ['identity:read', 'pii:read'] }) });
        expect(allowed.body.errors).toBeUndefined();
        expect(allowed.body.data).toEqual({ user: { uid: subject.uid, name: subject.name, email: subject.email } });
      } finally {
        await gateway.close();
      }
    });

    it('dry-run answers the field anyway (and only logs what it would remove)', async () => {
      const gateway = await startGateway({ AUTHORIZATION_MODE: 'dry-run' });
      try {
        const { body } = await gateway.request(query, { token: await graph.token({ scopes: ['identity:read'] }) });
        expect(body.errors).toBeUndefined();
        expect(body.data).toEqual({ user: { uid: subject.uid, name: subject.name, email: subject.email } });
      } finally {
        await gateway.close();
      }
    });
  });
});

describe('tenant isolation: a globex token with every scope never reaches acme data', () => {
  let globex: string;
  beforeAll(async () => {
    globex = await graph.token({ sub: 'usr-globex-00001', tenant: 'globex', scopes: ALL_SCOPES });
  });

  /** Every node of a connection, page by page; bounded by the number of pages the demo data can fill. */
  async function everyNode(field: string, selection: string, expectedCount: number): Promise<Array<Record<string, any>>> {
    const nodes: Array<Record<string, any>> = [];
    let after: string | null = null;
    let hasNextPage = true;
    for (let page = 0; hasNextPage && page <= Math.ceil(expectedCount / 100); page += 1) {
      const response: GraphQLResponse = await graph.request(
        `query Page($after: String) { ${field}(first: 100, after: $after) { totalCount edges { node { ${selection} } } pageInfo { hasNextPage endCursor } } }`,
        { token: globex, variables: { after } },
      );
      expect(response.body.errors).toBeUndefined();
      const connection = response.body.data![field];
      expect(connection.totalCount).toBe(expectedCount);
      nodes.push(...connection.edges.map((e: { node: Record<string, any> }) => e.node));
      ({ hasNextPage, endCursor: after } = connection.pageInfo);
    }
    expect(hasNextPage).toBe(false);
    return nodes;
  }

  it.each([
    ['users', 'uid tenant', ofGlobex(demo.identity.users)],
    ['groups', 'uid tenant', ofGlobex(demo.identity.groups)],
    ['assets', 'uid tenant', ofGlobex(demo.assets)],
    ['incidents', 'uid tenant', ofGlobex(demo.incidents)],
  ])('lists only globex %s', async (field, selection, expected) => {
    const nodes = await everyNode(field, selection, expected.size);
    expect(nodes.every((n) => n.tenant === 'globex')).toBe(true);
    expect(new Set(nodes.map((n) => n.uid))).toEqual(expected);
  });

  it('answers null for acme uids looked up directly, while the same lookups with an acme token find them', async () => {
    const query = `{ user(uid: "${subject.uid}") { uid } group(uid: "${acmeGroup.uid}") { uid } asset(uid: "${device.uid}") { uid } incident(uid: "${acmeIncident.uid}") { uid } }`;
    const { body } = await graph.request(query, { token: globex });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ user: null, group: null, asset: null, incident: null });

    const acme = await graph.request(query);
    expect(acme.body.data).toEqual({ user: { uid: subject.uid }, group: { uid: acmeGroup.uid }, asset: { uid: device.uid }, incident: { uid: acmeIncident.uid } });
  });

  it('never shows acme records in nested cross-subgraph fields of globex records', async () => {
    // The demo's incidents only: a test below stores acme uids on a new globex incident on purpose.
    const { body } = await graph.request(
      `{ incidents(first: 40, filter: { createdBefore: "${new Date(DEMO_EPOCH.getTime() + 1000).toISOString()}" }) { edges { node { uid
           assignee { uid tenant } assigneeGroup { uid name } affectedUsers { uid tenant }
           affectedAssets { asset { uid tenant owner { uid tenant ownedAssets(first: 3) { edges { node { uid } } } } } } } } } }`,
      { token: globex },
    );
    expect(body.errors).toBeUndefined();
    const uids: string[] = JSON.stringify(body.data).match(/"(usr|grp|dev|cld|app|inc)-[a-z]+-\d+"/g) ?? [];
    expect(uids.length).toBeGreaterThan(100);
    expect(uids.filter((uid) => !uid.includes('-globex-'))).toEqual([]);
  });

  it('resolves acme uids stored on a globex incident to nothing, exactly as uids that exist nowhere', async () => {
    // Other acme records than the ones the _entities tests name, which must stay unreferenced by globex.
    const acmeUser = demo.identity.users.find((u) => u.tenant === 'acme' && u.uid !== subject.uid && u.email !== null)!;
    const acmeAsset = demo.assets.find((a) => a.tenant === 'acme' && a.uid !== device.uid)!;
    const otherGroup = demo.identity.groups.find((g) => g.tenant === 'acme' && g.uid !== acmeGroup.uid)!;
    const openGlobexIncident = async (user: string, group: string, asset: string) => {
      const { body } = await graph.request(
        `mutation { createIncident(input: { title: "Names other records", severity: HIGH, assigneeUid: "${user}", assigneeGroupUid: "${group}",
            affectedAssets: [{ uid: "${asset}", role: TARGET }], affectedUserUids: ["${user}"] }) { uid tenant } }`,
        { token: globex },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.createIncident.tenant).toBe('globex');
      return body.data!.createIncident.uid as string;
    };
    const read = async (uid: string) =>
      graph.request(
        `{ incident(uid: "${uid}") { title assignee { uid name email } assigneeGroup { uid name } affectedAssets { role asset { uid name } } affectedUsers { uid name } } }`,
        { token: globex },
      );

    const naming = await read(await openGlobexIncident(acmeUser.uid, otherGroup.uid, acmeAsset.uid));
    expect(naming.body.data).toEqual({ incident: { title: 'Names other records', assignee: null, assigneeGroup: null, affectedAssets: [{ role: 'TARGET', asset: null }], affectedUsers: null } });
    const text = JSON.stringify(naming.body);
    for (const acmeValue of [acmeUser.name, acmeUser.email!, acmeAsset.name, otherGroup.name]) expect(text).not.toContain(acmeValue);

    // No oracle: an acme uid that exists answers like one that does not.
    const nowhere = await read(await openGlobexIncident('usr-acme-99999', 'grp-acme-99999', 'dev-acme-99999'));
    expect(nowhere.body).toEqual(JSON.parse(text.replaceAll(acmeUser.uid, 'usr-acme-99999').replaceAll(otherGroup.uid, 'grp-acme-99999').replaceAll(acmeAsset.uid, 'dev-acme-99999')));
  });

  describe('_entities sent directly to each subgraph with a validly signed globex principal', () => {
    const principal = (tenant: string): Principal => ({ sub: `usr-${tenant}-00001`, tenant, kind: 'user', scopes: ALL_SCOPES });
    const entities = (subgraph: SubgraphName, tenant: string, representations: unknown[], selection: string) =>
      postGraphQL(
        graph.subgraphUrls[subgraph],
        `query ($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`,
        { representations },
        null,
        { [PRINCIPAL_HEADER]: signPrincipal(principal(tenant), graph.gatewayConfig().principalSecret) },
      );

    it.each<[SubgraphName, unknown[], string, unknown[]]>([
      ['identity', [{ __typename: 'User', uid: subject.uid }, { __typename: 'Group', uid: acmeGroup.uid }], '... on User { uid name email } ... on Group { uid name }', [null, null]],
      [
        'assets',
        [{ __typename: 'Device', uid: device.uid }, { __typename: 'Asset', uid: device.uid }, { __typename: 'User', uid: subject.uid }],
        '... on Device { uid hostname } ... on User { uid ownedAssets { totalCount } }',
        [null, null, { uid: subject.uid, ownedAssets: { totalCount: 0 } }],
      ],
      [
        'incidents',
        [{ __typename: 'Incident', uid: acmeIncident.uid }, { __typename: 'User', uid: subject.uid }, { __typename: 'Asset', uid: device.uid }],
        '... on Incident { uid title } ... on User { uid incidents { totalCount } } ... on Asset { uid incidents { totalCount } }',
        [null, { uid: subject.uid, incidents: { totalCount: 0 } }, { uid: device.uid, incidents: { totalCount: 0 } }],
      ],
    ])('%s answers null (or nothing) for acme uids', async (subgraph, representations, selection, expected) => {
      const asGlobex = await entities(subgraph, 'globex', representations, selection);
      expect(asGlobex.status).toBe(200);
      expect(asGlobex.body.errors).toBeUndefined();
      expect(asGlobex.body.data!._entities).toEqual(expected);

      // The same representations do name acme records: with an acme principal they are found.
      const asAcme = await entities(subgraph, 'acme', representations, selection);
      expect(asAcme.body.errors).toBeUndefined();
      expect(asAcme.body.data!._entities).not.toEqual(expected);
      expect(asAcme.body.data!._entities[0]).not.toBeNull();
    });
  });

  it('refuses every mutation of an acme incident to a globex writer, and the incident stays as it was', async () => {
    const before = await incidentState(acmeIncident.uid);
    expect(before).toMatchObject({ uid: acmeIncident.uid, status: 'NEW' });
    const variables = { uid: acmeIncident.uid };
    for (const mutation of [
      'mutation M($uid: ID!) { updateIncidentStatus(uid: $uid, status: IN_PROGRESS) { uid status } }',
      'mutation M($uid: ID!) { assignIncident(uid: $uid, assigneeUid: "usr-globex-00001") { uid } }',
      'mutation M($uid: ID!) { addIncidentNote(uid: $uid, note: "globex was here") { uid } }',
    ]) {
      const { body } = await graph.request(mutation, { token: globex, variables });
      const field = Object.keys(body.data ?? {})[0];
      expect(body.data![field]).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({ path: [field], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argumentName: 'uid' }) })]);
    }
    expect(await incidentState(acmeIncident.uid)).toEqual(before);
  });
});

describe('subgraphs called directly, around the gateway', () => {
  const QUERIES: Record<SubgraphName, string> = {
    identity: '{ users(first: 1) { totalCount } }',
    assets: '{ assets(first: 1) { totalCount } }',
    incidents: '{ incidents(first: 1) { totalCount } }',
  };
  const acme: Principal = { sub: 'usr-acme-00001', tenant: 'acme', kind: 'user', scopes: ALL_SCOPES };
  const secret = () => graph.gatewayConfig().principalSecret;

  const headers: Array<[string, () => string | undefined]> = [
    ['no principal header', () => undefined],
    [
      'a principal whose tenant was changed after signing',
      () => {
        const [, signature] = signPrincipal(acme, secret()).split('.');
        const forged = Buffer.from(JSON.stringify({ ...acme, tenant: 'globex', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
        return `${forged}.${signature}`;
      },
    ],
    [
      'a tampered signature',
      () => {
        const [body, signature] = signPrincipal(acme, secret()).split('.');
        return `${body}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
      },
    ],
    ['an expired principal', () => signPrincipal(acme, secret(), Date.now() - 10 * 60_000)],
    ['a principal signed with another secret', () => signPrincipal(acme, randomBytes(48))],
  ];

  describe.each(Object.keys(QUERIES) as SubgraphName[])('%s', (subgraph) => {
    it.each(headers)('refuses %s with 401 UNAUTHENTICATED', async (_case, header) => {
      const value = header();
      const { status, body } = await postGraphQL(graph.subgraphUrls[subgraph], QUERIES[subgraph], undefined, null, value ? { [PRINCIPAL_HEADER]: value } : {});
      expect(status).toBe(401);
      expect(body.data ?? null).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
    });

    it('serves a principal the gateway signed', async () => {
      const { status, body } = await postGraphQL(graph.subgraphUrls[subgraph], QUERIES[subgraph], undefined, null, { [PRINCIPAL_HEADER]: signPrincipal(acme, secret()) });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(Object.values(body.data!)[0].totalCount).toBeGreaterThan(0);
    });
  });
});

describe('partners', () => {
  const NOTE = 'mutation Note($uid: ID!, $note: String!) { addIncidentNote(uid: $uid, note: $note) { uid } }';
  const partnerToken = (clientId: string) => graph.token({ kind: 'partner', clientId, sub: `client-${clientId}`, scopes: ['incidents:read', 'incidents:write'] });
  const notesOf = async (uid: string) =>
    ((await incidentState(uid))!.timeline as Array<{ kind: string; message: string }>).filter((e) => e.kind === 'NOTE_ADDED').map((e) => e.message);

  it('lose a write scope their token claims unless PARTNER_WRITE_CLIENTS lists their client', async () => {
    const uid = await openIncident('Partner writes');
    const refused = await graph.request(NOTE, { token: await partnerToken('partner-x'), variables: { uid, note: 'refused note' } });
    expect(refused.body.data).toEqual({ addIncidentNote: null });
    expect(refused.body.errors).toEqual([unauthorized(['addIncidentNote'], 'incidents:write')]);
    expect(await notesOf(uid)).toEqual([]);

    const gateway = await startGateway({ PARTNER_WRITE_CLIENTS: 'partner-x' });
    try {
      const agreed = await gateway.request(NOTE, { token: await partnerToken('partner-x'), variables: { uid, note: 'agreed note' } });
      expect(agreed.body.errors).toBeUndefined();
      expect(agreed.body.data).toEqual({ addIncidentNote: { uid } });

      const other = await gateway.request(NOTE, { token: await partnerToken('partner-y'), variables: { uid, note: 'other partner note' } });
      expect(other.body.data).toEqual({ addIncidentNote: null });
      expect(other.body.errors).toEqual([unauthorized(['addIncidentNote'], 'incidents:write')]);
    } finally {
      await gateway.close();
    }
    expect(await notesOf(uid)).toEqual(['agreed note']);
  });

  describe('introspection', () => {
    const SCHEMA = '{ __schema { types { name } } }';
    const expectForbidden = (response: GraphQLResponse) => {
      expect(response.status).toBe(403);
      expect(response.body.data ?? null).toBeNull();
      expect(response.body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    };

    it('is refused to a partner token with 403 FORBIDDEN, and served to a user token outside production', async () => {
      const partner = await graph.token({ kind: 'partner', clientId: 'partner-x', scopes: ALL_READ_SCOPES });
      expectForbidden(await graph.request(SCHEMA, { token: partner }));
      expectForbidden(await graph.request('{ __type(name: "User") { fields { name } } }', { token: partner }));
      expectForbidden(await graph.request('query Q { ...Peek } fragment Peek on Query { __schema { queryType { name } } }', { token: partner }));
      const typename = await graph.request('{ __typename }', { token: partner });
      expect(typename.body).toEqual({ data: { __typename: 'Query' } });

      const { status, body } = await graph.request(SCHEMA);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data!.__schema.types.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['User', 'Incident', 'Device']));
    });

    it('is refused to everyone with INTROSPECTION=none', async () => {
      const gateway = await startGateway({ INTROSPECTION: 'none' });
      try {
        for (const kind of ['user', 'script', 'partner'] as const) {
          expectForbidden(await gateway.request(SCHEMA, { token: await graph.token({ kind, clientId: `${kind}-client`, scopes: ALL_READ_SCOPES }) }));
        }
      } finally {
        await gateway.close();
      }
    });
  });
});

describe("the foundation's operations with every read scope", () => {
  let strict: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    strict = await startGateway({ AUTHORIZATION_MODE: 'reject' });
  });
  afterAll(async () => {
    await strict?.close();
  });

  it.each([
    ['IncidentBoard', {}],
    ['UserProfile', { uid: subject.uid }],
    ['People', {}],
  ])('%s is answered without errors, also where any unauthorized field would refuse the operation', async (name, variables) => {
    const operation = readOperation(name);
    const { status, body } = await graph.request(operation, { variables });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(Object.values(body.data!).every((value) => value !== null)).toBe(true);

    const rejectMode = await strict.request(operation, { token: await graph.token(), variables });
    expect(rejectMode.body.errors).toBeUndefined();
    expect(rejectMode.body.data).toEqual(body.data);
  });
});
