import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { sampleEvents, sampleLines } from '../../examples/ocsf/samples';
import { readOperation, startGraph, type Graph } from '../../test/support/graph';
import { ingestToken, postEvents, startIngest, type StartedIngest } from './support';

/**
 * Detection Findings posted to the intake reach live subscribers as incident changes: the incidents subgraph
 * records them in its outbox with the incident, and the kit nudges its change relay after each ingested batch,
 * as after a mutation. Embedded path: the intake hands the events to the incidents subgraph, whose change
 * stream the gateway reads.
 */

const CHANGES = readOperation('IncidentChanges');

interface Change {
  kind: string;
  sequence: number;
  incident: { uid: string; title: string; severity: string };
}

describe('ingested Detection Findings as live incident changes', () => {
  let graph: Graph;
  let ingest: StartedIngest;
  const clients: Client[] = [];

  beforeAll(async () => {
    graph = await startGraph({ demoDataScale: 0.02, ingestion: { transport: 'http', maxDeliver: 2 } });
    ingest = await startIngest(graph);
  });

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await ingest?.close();
    await graph?.close();
  });

  /** A subscriber of IncidentChanges over WebSocket, as the board subscribes; `received` fills as changes arrive. */
  async function subscriber(tenant: string): Promise<{ received: Change[]; errors: unknown[] }> {
    const token = await graph.token({ tenant, sub: `usr-${tenant}-00001` });
    const client = createClient({ url: graph.url.replace('http:', 'ws:'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    clients.push(client);
    const received: Change[] = [];
    const errors: unknown[] = [];
    client.subscribe<{ incidentChanged: Change }>(
      { query: CHANGES },
      { next: (value) => (value.data ? received.push(value.data.incidentChanged) : errors.push(value.errors)), error: (error) => errors.push(error), complete: () => undefined },
    );
    return { received, errors };
  }

  let lastSeen: (() => unknown) | undefined;

  async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(lastSeen?.())}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it("tells the tenant's subscribers of the incidents the findings opened and joined, within the usual latency, and the other tenant nothing", async () => {
    const acme = await subscriber('acme');
    const globex = await subscriber('globex');
    lastSeen = () => ({ acme, globex });
    // Lets both subscriptions register before the findings are posted.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const posted = Date.now();
    const response = await postEvents(ingest.eventsUrl, await ingestToken(graph), sampleLines(2004));
    expect(response.body).toEqual({ accepted: 3, rejected: [] });
    // The laptop is not inventoried here, so its asset resolves to null: the incident is known by its title.
    const laptopChanges = () => acme.received.filter((change) => change.incident.title === 'Suspicious PowerShell download cradle');
    await until(() => laptopChanges().length >= 3 && acme.received.length >= 5, 'the changes of both incidents');
    // Published after commit, nudged by the batch: well within the second the board promises, not at the next sweep.
    expect(Date.now() - posted).toBeLessThan(2000);
    expect(acme.errors).toEqual([]);
    expect(laptopChanges().map((change) => [change.kind, change.sequence])).toEqual([
      ['CREATED', 1],
      ['FINDING_ADDED', 2],
      ['SEVERITY_CHANGED', 3],
    ]);
    expect(laptopChanges().at(-1)!.incident).toMatchObject({ title: 'Suspicious PowerShell download cradle', severity: 'CRITICAL' });
    expect(acme.received.filter((change) => !laptopChanges().includes(change)).map((change) => change.kind)).toEqual(['CREATED', 'FINDING_ADDED']);

    // A later finding of the same rule on the laptop joins its incident: one more change.
    const [cradle] = sampleEvents(2004);
    const later = { ...cradle, time: cradle.time + 20 * 60_000, metadata: { ...cradle.metadata, uid: 'cs-det-ldt-5530' }, finding_info: { ...cradle.finding_info, uid: 'ldt:7c1e9a2f5b3d:5530' } };
    expect((await postEvents(ingest.eventsUrl, await ingestToken(graph), [later])).body).toEqual({ accepted: 1, rejected: [] });
    await until(() => laptopChanges().length === 4, 'the joined finding');
    expect(laptopChanges()[3]).toMatchObject({ kind: 'FINDING_ADDED', sequence: 4 });

    // The same findings posted for globex are globex's own incidents; acme's subscriber hears nothing of them.
    const seen = acme.received.length;
    await postEvents(ingest.eventsUrl, await ingestToken(graph, 'globex'), sampleLines(2004));
    await until(() => globex.received.length >= 5, "globex's own changes");
    expect(globex.received.every((change) => !acme.received.some((mine) => mine.incident.uid === change.incident.uid))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(acme.received.length).toBe(seen);
  });
});
