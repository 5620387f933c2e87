// npx tsx bench/embedded-store.ts [board|lookup|batch|byUser]: CPU per read of the embedded document store alone,
// over the demo incidents at scale 1, with the incidents subgraph's indexes and queries (no HTTP, no GraphQL).
import { EmbeddedDocumentDatabase, TenantScopedCollection } from '../subgraph-kit/documents';
import { demoIncidentDocuments } from '../subgraphs/incidents/src/data/demo-incidents';
import type { IncidentDocument, IncidentStatus } from '../subgraphs/incidents/src/data/incident-document';
import { filterConditions } from '../subgraphs/incidents/src/data/incident-query';
import { INCIDENT_INDEXES, IncidentRepository } from '../subgraphs/incidents/src/data/incident-repository';
import type { Severity } from '../subgraphs/incidents/src/data/severity';

const SEVERITIES: Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const STATUS_SETS: IncidentStatus[][] = [['NEW'], ['NEW', 'IN_PROGRESS'], ['IN_PROGRESS', 'ON_HOLD'], ['NEW', 'IN_PROGRESS', 'ON_HOLD'], ['RESOLVED', 'CLOSED']];
const WARM_UP_ROUNDS = 5;
const ROUNDS = 40;

interface Reads {
  /** How many reads one round makes. */
  count: number;
  round(): Promise<unknown>;
}

async function main(): Promise<void> {
  const database = new EmbeddedDocumentDatabase();
  const collection = database.collection<IncidentDocument>('incidents');
  await collection.createIndexes(INCIDENT_INDEXES);
  const incidents = demoIncidentDocuments(1);
  await collection.insertMany(incidents);
  const tenant = incidents[0].tenant;
  const own = incidents.filter((incident) => incident.tenant === tenant);
  const repository = new IncidentRepository(new TenantScopedCollection(collection, tenant));
  const reads: Record<string, Reads> = {
    // The board's pages of 50 (a find and a count each), for each of its 20 filters.
    board: {
      count: SEVERITIES.length * STATUS_SETS.length,
      round: async () => {
        for (const severityAtLeast of SEVERITIES) for (const status of STATUS_SETS) await repository.page({ conditions: filterConditions({ severityAtLeast, status }), first: 50 });
      },
    },
    lookup: { count: 200, round: async () => Promise.all(Array.from({ length: 200 }, (_, i) => repository.findByUid(own[(i * 7919) % own.length].uid))) },
    batch: { count: 20, round: async () => Promise.all(Array.from({ length: 20 }, (_, i) => repository.findByUids(own.slice(i * 10, i * 10 + 50).map((incident) => incident.uid)))) },
    // A user's incident lists: an aggregate and a find by uids.
    byUser: {
      count: 20,
      round: async () => {
        for (const incident of own.slice(0, 20)) await repository.pagesByParent('user', [incident.assigneeUid ?? 'nobody', ...incident.affectedUserUids], { conditions: [], first: 10 });
      },
    },
  };
  const chosen = process.argv[2];
  for (const [name, { count, round }] of Object.entries(reads)) {
    if (chosen && chosen !== name) continue;
    for (let i = 0; i < WARM_UP_ROUNDS; i++) await round();
    const started = process.cpuUsage();
    for (let i = 0; i < ROUNDS; i++) await round();
    const used = process.cpuUsage(started);
    console.log(`${name.padEnd(7)} ${((used.user + used.system) / 1000 / ROUNDS / count).toFixed(3)} ms CPU per read`);
  }
  await database.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
