import { generateDemoData, type DemoAsset, type DemoIncident } from '../demo-data';
import { readOperation, roundTripsSince, snapshotRoundTrips, startGraph, type Graph } from './support/graph';

const DEMO_DATA_SCALE = 0.1;
/** The same data the subgraphs seeded, so the answers can be checked field by field. */
const demo = generateDemoData({ scale: DEMO_DATA_SCALE });
const usersByUid = new Map(demo.identity.users.map((u) => [u.uid, u]));
const assetsByUid = new Map(demo.assets.map((a) => [a.uid, a]));

const INCIDENT_BOARD = readOperation('IncidentBoard');
const USER_PROFILE = readOperation('UserProfile');
const PEOPLE = readOperation('People');

let graph: Graph;

beforeAll(async () => {
  // The change relay's sweep is a round trip of its own: kept out of the requests whose round trips are counted.
  graph = await startGraph({ demoDataScale: DEMO_DATA_SCALE, changeSweepIntervalMs: 3_600_000 });
});

afterAll(async () => {
  await graph?.close();
});

const byName = (a: { name: string; uid: string }, b: { name: string; uid: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.uid < b.uid ? -1 : 1);

/** OCSF severities from least to most severe, as the subgraphs sort and filter them. */
const SEVERITIES = ['UNKNOWN', 'INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'FATAL'];
const severityRank = (severity: string) => SEVERITIES.indexOf(severity);

/** acme's open HIGH-or-worse incidents, newest first, as the board asks for them. */
function expectedBoard(): DemoIncident[] {
  return demo.incidents
    .filter((i) => i.tenant === 'acme' && severityRank(i.severity) >= severityRank('HIGH') && (i.status === 'NEW' || i.status === 'IN_PROGRESS'))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.uid < b.uid ? 1 : -1));
}

function ownerOf(asset: DemoAsset) {
  const owner = asset.ownerUid ? usersByUid.get(asset.ownerUid) : undefined;
  return owner ? { uid: owner.uid, name: owner.name } : null;
}

describe('the operations from the issue, through the gateway, with every read scope', () => {
  it('IncidentBoard joins incidents with their assignees (identity) and affected assets and owners (assets, identity)', async () => {
    const { status, body } = await graph.request(INCIDENT_BOARD);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();

    const expected = expectedBoard();
    expect(expected.length).toBeGreaterThan(5);
    const board = body.data!.incidents;
    expect(board.totalCount).toBe(expected.length);
    expect(board.pageInfo.hasNextPage).toBe(expected.length > 50);
    const nodes = board.edges.map((e: { node: unknown }) => e.node);
    expect(nodes.map((n: { uid: string }) => n.uid)).toEqual(expected.slice(0, 50).map((i) => i.uid));

    for (const [index, incident] of expected.slice(0, 50).entries()) {
      const node = nodes[index];
      expect(node).toMatchObject({ title: incident.title, severity: incident.severity, status: incident.status, createdAt: incident.createdAt.toISOString() });
      const assignee = incident.assigneeUid ? usersByUid.get(incident.assigneeUid) : undefined;
      if (assignee) {
        const groupNames = demo.identity.memberships
          .filter((m) => m.tenant === 'acme' && m.userUid === assignee.uid)
          .map((m) => demo.identity.groups.find((g) => g.tenant === 'acme' && g.uid === m.groupUid)!.name)
          .sort();
        expect(node.assignee).toMatchObject({ uid: assignee.uid, name: assignee.name, email: assignee.email });
        expect(node.assignee.groups.map((g: { name: string }) => g.name).sort()).toEqual(groupNames);
      } else {
        expect(node.assignee).toBeNull();
      }
      expect(node.affectedAssets).toEqual(
        incident.affectedAssets.map(({ uid, role }) => {
          const asset = assetsByUid.get(uid)!;
          const typename = { DEVICE: 'Device', CLOUD_RESOURCE: 'CloudResource', APPLICATION: 'Application' }[asset.kind];
          return {
            role,
            asset: { __typename: typename, uid, name: asset.name, owner: ownerOf(asset), ...(asset.kind === 'DEVICE' ? { hostname: asset.hostname } : {}) },
          };
        }),
      );
    }
    // The data really crossed all three subgraphs.
    expect(nodes.some((n: any) => n.assignee?.name)).toBe(true);
    expect(nodes.some((n: any) => n.affectedAssets.some((a: any) => a.asset.owner?.name))).toBe(true);
  });

  it('UserProfile joins a user (identity) with the assets they own and their findings (assets) and their incidents', async () => {
    const uid = 'usr-acme-00001';
    const { status, body } = await graph.request(USER_PROFILE, { variables: { uid } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();

    const user = usersByUid.get(uid)!;
    const owned = demo.assets.filter((a) => a.tenant === 'acme' && a.ownerUid === uid).sort(byName).slice(0, 10);
    const incidents = demo.incidents.filter((i) => i.tenant === 'acme' && (i.assigneeUid === uid || i.affectedUserUids.includes(uid)));
    expect(owned.some((a) => a.kind === 'DEVICE' && a.vulnerabilities.length > 0)).toBe(true);
    expect(incidents.length).toBeGreaterThan(0);

    const profile = body.data!.user;
    expect(profile).toMatchObject({ uid, name: user.name, type: user.type, hasMfa: user.hasMfa });
    expect(profile.incidents.totalCount).toBe(incidents.length);
    expect(profile.ownedAssets.edges.map((e: any) => e.node.uid)).toEqual(owned.map((a) => a.uid));
    for (const [index, asset] of owned.entries()) {
      const node = profile.ownedAssets.edges[index].node;
      if (asset.kind !== 'DEVICE') continue;
      const findings = [...asset.vulnerabilities].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.uid < b.uid ? -1 : 1)).slice(0, 5);
      expect(node.hostname).toBe(asset.hostname);
      expect(node.vulnerabilities.edges.map((e: any) => e.node)).toEqual(findings.map((f) => ({ cve: { uid: f.cve.uid, cvss: f.cve.cvss }, severity: f.severity })));
    }
  });

  it('People lists the first five users of the tenant by name', async () => {
    const { status, body } = await graph.request(PEOPLE);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const expected = demo.identity.users.filter((u) => u.tenant === 'acme').sort(byName).slice(0, 5);
    expect(body.data!.users.edges.map((e: any) => e.node)).toEqual(expected.map((u) => ({ uid: u.uid, name: u.name })));
  });
});

describe('batching across the graph', () => {
  it('costs each subgraph as many database round trips for 50 incidents on the board as for 5', async () => {
    const boardOf = (first: number) => INCIDENT_BOARD.replace('first: 50', `first: ${first}`);
    const run = async (first: number) => {
      const before = snapshotRoundTrips(graph.stats);
      const { body } = await graph.request(boardOf(first));
      expect(body.errors).toBeUndefined();
      return { rows: body.data!.incidents.edges.length as number, trips: roundTripsSince(graph.stats, before) };
    };
    await run(5); // the first request of a shape may warm caches; count the ones after it

    const five = await run(5);
    const fifty = await run(50);
    expect(five.rows).toBe(5);
    expect(fifty.rows).toBeGreaterThan(5);
    expect(fifty.trips).toEqual(five.trips);
    for (const trips of Object.values(five.trips)) expect(trips).toBeGreaterThan(0);
  });
});

describe('authentication at the gateway', () => {
  it('refuses a request without a token with 401, a bare Bearer challenge and UNAUTHENTICATED', async () => {
    const { status, headers, body } = await graph.request(PEOPLE, { token: null });
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer');
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
  });

  it.each([
    ['a malformed token', async () => 'not-a-jwt'],
    ['a token for another audience', async () => graph.token({ audience: 'someone-else' })],
    ['a token whose signature was tampered with', async () => `${(await graph.token()).slice(0, -4)}AAAA`],
  ])('refuses %s with 401, an invalid_token challenge saying why, and UNAUTHENTICATED', async (_case, makeToken) => {
    const { status, headers, body } = await graph.request(PEOPLE, { token: await makeToken() });
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description=".+"$/);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
    expect(JSON.stringify(body)).not.toMatch(/at .+\.ts:\d+/);
  });

  it('keeps /healthz and /readyz open without a token, and reports every subgraph ready', async () => {
    const health = await fetch(`${graph.origin}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${graph.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { supergraph: 'ok', identity: 'ok', assets: 'ok', incidents: 'ok' } });
  });
});

describe('bad input through the gateway', () => {
  it.each([
    ['first: -1 on incidents', '{ incidents(first: -1) { totalCount } }', 'incidents', 'first'],
    ['first: 1000 on users', '{ users(first: 1000) { totalCount } }', 'identity', 'first'],
    ['a malformed cursor on assets', '{ assets(first: 5, after: "bm90LWEtY3Vyc29y") { totalCount } }', 'assets', 'after'],
    ['first: 1000 on a nested connection', '{ user(uid: "usr-acme-00001") { uid ownedAssets(first: 1000) { totalCount } } }', 'assets', 'first'],
  ])('answers %s with BAD_USER_INPUT naming the argument, not a server error', async (_case, query, serviceName, argumentName) => {
    const { status, body } = await graph.request(query);
    expect(status).toBe(200);
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName, serviceName });
    expect(body.errors![0].message).toContain(`"${argumentName}"`);
    expect(body.errors![0].extensions).not.toHaveProperty('stacktrace');
  });
});

describe('lookups by uid', () => {
  it('answers null, without an error, for uids that do not exist', async () => {
    const { status, body } = await graph.request('{ user(uid: "usr-acme-99999") { uid } asset(uid: "dev-acme-99999") { uid } incident(uid: "inc-acme-99999") { uid } }');
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ user: null, asset: null, incident: null });
  });

  it("answers null for another tenant's records: the tenant comes from the token", async () => {
    const globex = await graph.token({ sub: 'usr-globex-00001', tenant: 'globex' });
    const { body } = await graph.request('{ user(uid: "usr-acme-00001") { uid } incident(uid: "inc-acme-00001") { uid } }', { token: globex });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ user: null, incident: null });
  });
});

describe('scopes', () => {
  it('answers fields the token has no scope for with null and UNAUTHORIZED_FIELD_OR_TYPE, and the rest as usual', async () => {
    const token = await graph.token({ scopes: ['identity:read', 'incidents:read'] });
    const { status, body } = await graph.request('{ users(first: 1) { edges { node { uid name email } } } }', { token });
    expect(status).toBe(200);
    expect(body.data!.users.edges[0].node).toMatchObject({ name: expect.any(String), email: null });
    expect(body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }) })]);
  });
});
