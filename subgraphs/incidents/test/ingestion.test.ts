import { sampleEvents } from '../../../examples/ocsf/samples';
import { readEvent, type EventOf } from '../../../lib/ingestion/event';
import { TenantScopedCollection, type DocumentCollection, type DocumentDatabase } from '../../../subgraph-kit/documents';
import { applyBatch } from '../../../subgraph-kit/ingestion/apply-batch';
import { IncidentCommands } from '../src/data/incident-commands';
import { INCIDENTS_COLLECTION, type IncidentDocument } from '../src/data/incident-document';
import { IncidentRepository, INCIDENT_INDEXES } from '../src/data/incident-repository';
import { correlationKey, MAX_FINDINGS_PER_INCIDENT } from '../src/ingestion/correlation';
import { DEFAULT_CORRELATION_WINDOW_MS, detectionFindingWriter, IncidentChangedMeanwhileError, readCorrelationSettings } from '../src/ingestion/detection-finding-writer';
import type { IncidentsService } from '../src/server';
import { ACME, createTestService, describeSkippedMongo, discard, execute, STORES } from './helpers';

describeSkippedMongo();

type Raw = Record<string, any>;

const LAPTOP = 'a8c4e2f0-1b3d-4e5f-8a9b-0c1d2e3f4a5b';
const BASTION = 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f67890';
const DANA = '00u1a2b3c4d5e6f7g8h9';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const [CRADLE, CRADLE_AGAIN, BRUTE_FORCE] = sampleEvents(2004);
const T0 = CRADLE.time as number;

/**
 * A Detection Finding like the first sample (the PowerShell rule on Dana's laptop), `minutes` after it: its own
 * finding uid `n` (and event id), with what `change` says differently.
 */
function detection(n: number | string, minutes: number, change: { severityId?: number; rule?: string; device?: string | null; types?: string[]; title?: string; version?: number } = {}): Raw {
  const info = { ...CRADLE.finding_info, uid: `det-${n}`, title: change.title ?? CRADLE.finding_info.title };
  if (change.rule !== undefined) info.analytic = { ...info.analytic, uid: change.rule };
  if (change.types) {
    delete info.analytic;
    info.types = change.types;
  }
  const event: Raw = { ...CRADLE, time: T0 + minutes * MINUTE, severity_id: change.severityId ?? CRADLE.severity_id, metadata: { ...CRADLE.metadata, uid: `evt-${n}-${change.version ?? 1}` }, finding_info: info };
  if (change.device === null) delete event.device;
  else if (change.device !== undefined) event.device = { ...CRADLE.device, uid: change.device, hostname: `${change.device}.acme.example` };
  return event;
}

const read = (raw: Raw, tenant = 'acme') => readEvent(raw, { tenant, classes: [2004] }) as EventOf<2004>;

describe('INCIDENT_CORRELATION_WINDOW_MS', () => {
  it('defaults to an hour, and takes a positive number of milliseconds', () => {
    expect(readCorrelationSettings({})).toEqual({ windowMs: DEFAULT_CORRELATION_WINDOW_MS });
    expect(DEFAULT_CORRELATION_WINDOW_MS).toBe(HOUR);
    expect(readCorrelationSettings({ INCIDENT_CORRELATION_WINDOW_MS: '900000' })).toEqual({ windowMs: 900_000 });
    expect(() => readCorrelationSettings({ INCIDENT_CORRELATION_WINDOW_MS: '-5' })).toThrow(/INCIDENT_CORRELATION_WINDOW_MS/);
  });
});

describe('the correlation key', () => {
  it('is the asset (else the user) and the detection, and no uid can forge another key', () => {
    const key = (raw: Raw) => correlationKey(read(raw).body);
    expect(key(CRADLE)).toBe(JSON.stringify(['asset', LAPTOP, 'analytic:CS-IOA-PS-DOWNLOAD-01']));
    expect(key(detection(1, 0, { device: null }))).toBe(JSON.stringify(['user', DANA, 'analytic:CS-IOA-PS-DOWNLOAD-01']));
    expect(key(BRUTE_FORCE)).toBe(JSON.stringify(['asset', BASTION, 'type:UnauthorizedAccess:EC2/SSHBruteForce']));
    expect(key(detection(2, 0, { device: 'a"],["b' }))).not.toBe(key(detection(3, 0, { device: 'a', rule: 'b' })));
  });
});

describe.each(STORES)('Detection Findings into incidents on the $name', (store) => {
  let database: DocumentDatabase;
  let incidents: DocumentCollection<IncidentDocument>;

  beforeAll(async () => {
    database = await store.open();
    incidents = database.collection<IncidentDocument>(INCIDENTS_COLLECTION);
    await incidents.createIndexes(INCIDENT_INDEXES);
  });

  beforeEach(async () => {
    await incidents.deleteMany({});
  });

  afterAll(async () => {
    await discard(database);
  });

  /** Writes the events as one batch (each read for its tenant), as the kit hands them to the writer. */
  async function write(events: Array<Raw | [Raw, string]>, windowMs = HOUR): Promise<void> {
    await detectionFindingWriter(database, { windowMs }).write(events.map((event) => (Array.isArray(event) ? read(event[0], event[1]) : read(event))));
  }

  /** Every incident, each with its findings in uid order (the order of an embedded array means nothing here). */
  async function stored(tenant?: string): Promise<IncidentDocument[]> {
    const found = await incidents.find(tenant ? { tenant } : {}, { sort: { tenant: 1, uid: 1 } });
    return found.map(({ _id, ...incident }: IncidentDocument) => ({ ...incident, findings: [...incident.findings].sort((a, b) => (a.uid < b.uid ? -1 : 1)) }) as IncidentDocument);
  }

  const findingUids = (incident: IncidentDocument) => incident.findings.map((finding) => finding.uid);

  it('joins findings on one asset by one rule within the window into one incident: a timeline entry per finding, severity raised to the highest, its changes recorded', async () => {
    await write([CRADLE, CRADLE_AGAIN]);
    const [incident] = await stored();
    expect(await incidents.countDocuments({})).toBe(1);
    expect(incident).toMatchObject({
      tenant: 'acme',
      uid: expect.stringMatching(/^inc-acme-[0-9a-f]{8}-/),
      title: 'Suspicious PowerShell download cradle',
      description: 'powershell.exe fetched and executed a remote script',
      severity: 'CRITICAL',
      severityId: 5,
      status: 'NEW',
      affectedAssets: [{ uid: LAPTOP, role: 'AFFECTED' }],
      affectedUserUids: [DANA],
      correlation: { key: correlationKey(read(CRADLE).body), firstFindingAt: new Date(T0), lastFindingAt: new Date(CRADLE_AGAIN.time) },
      // The outbox: its changes, each kind once for the batch, none published yet, in the same write as the incident.
      changeSequence: 3,
      publishedSequence: 0,
      unpublished: true,
    });
    expect(incident.findings).toEqual([
      {
        uid: 'ldt:7c1e9a2f5b3d:5519',
        title: 'Suspicious PowerShell download cradle',
        severity: 'HIGH',
        createdAt: new Date(T0),
        observables: [
          { name: 'device.hostname', type: 'HOSTNAME', value: 'lt-dwhitfield.corp.acme.example' },
          { name: 'url', type: 'URL_STRING', value: 'http://198.51.100.23/a.ps1' },
        ],
        version: expect.any(String),
      },
      expect.objectContaining({ uid: 'ldt:7c1e9a2f5b3d:5523', severity: 'CRITICAL', observables: expect.arrayContaining([{ name: 'file.hashes', type: 'HASH', value: expect.any(String) }]) }),
    ]);
    expect(incident.timeline.map(({ kind, message, actorUid }) => ({ kind, message, actorUid }))).toEqual([
      { kind: 'CREATED', message: 'Incident opened by a detection finding (rule CS-IOA-PS-DOWNLOAD-01)', actorUid: null },
      { kind: 'FINDING_ADDED', message: 'Finding ldt:7c1e9a2f5b3d:5519 (HIGH): Suspicious PowerShell download cradle', actorUid: null },
      { kind: 'FINDING_ADDED', message: 'Finding ldt:7c1e9a2f5b3d:5523 (CRITICAL): Suspicious PowerShell download cradle; severity raised from HIGH to CRITICAL', actorUid: null },
    ]);
    expect(incident.changes?.map((change) => change.kind)).toEqual(['CREATED', 'FINDING_ADDED', 'SEVERITY_CHANGED']);
    // A later batch records its own changes.
    await write([detection(1, 8)]);
    expect((await stored())[0].changes?.map((change) => change.kind)).toEqual(['CREATED', 'FINDING_ADDED', 'SEVERITY_CHANGED', 'FINDING_ADDED']);
  });

  it("opens another incident for a finding beyond the window of an incident's findings; one within reach of the widened window joins", async () => {
    await write([detection(1, 0)]);
    await write([detection(2, 50)]); // 50 min after the first: joins, and the window now reaches 110 min.
    await write([detection(3, 111)]); // 61 min after the last: too far.
    await write([detection(4, -59)]); // 59 min before the first: joins it.
    const found = await stored();
    expect(found.map(findingUids).sort()).toEqual([['det-1', 'det-2', 'det-4'], ['det-3']]);
    const first = found.find((incident) => incident.findings.length === 3)!;
    expect(first.correlation).toMatchObject({ firstFindingAt: new Date(T0 - 59 * MINUTE), lastFindingAt: new Date(T0 + 50 * MINUTE) });
  });

  it('keeps the window it is given: with 5 minutes, findings 6 minutes apart are two incidents', async () => {
    await write([detection(1, 0), detection(2, 6)], 5 * MINUTE);
    expect((await stored()).map(findingUids).sort()).toEqual([['det-1'], ['det-2']]);
  });

  it('keeps apart what differs in detection or asset; a finding with no asset correlates by its user; one without a rule by its type', async () => {
    await write([
      detection(1, 0),
      detection(2, 1, { rule: 'CS-IOA-OTHER' }),
      detection(3, 2, { device: 'another-laptop' }),
      detection(4, 3, { device: null }),
      detection(5, 4, { device: null }),
      detection(6, 5, { types: ['Execution'] }),
      detection(7, 6, { types: ['Execution'] }),
      detection(8, 7),
    ]);
    const found = await stored();
    expect(found.map(findingUids).sort()).toEqual([['det-1', 'det-8'], ['det-2'], ['det-3'], ['det-4', 'det-5'], ['det-6', 'det-7']]);
    const byUser = found.find((incident) => findingUids(incident).includes('det-4'))!;
    expect(byUser).toMatchObject({ affectedAssets: [], affectedUserUids: [DANA] });
  });

  it('gives a resolved incident no new finding, but a newer version of a finding it holds still updates it there', async () => {
    await write([detection(1, 0)]);
    const [incident] = await stored();
    await new IncidentCommands(new IncidentRepository(new TenantScopedCollection(incidents, 'acme')), 'usr-acme-00001').updateStatus(incident.uid, 'RESOLVED', false);
    await write([detection(2, 5), detection(1, 10, { severityId: 5, title: 'Download cradle, second stage', version: 2 })]);
    const found = await stored();
    expect(found.map(findingUids).sort()).toEqual([['det-1'], ['det-2']]);
    const resolved = found.find((i) => i.uid === incident.uid)!;
    expect(resolved).toMatchObject({ status: 'RESOLVED', severity: 'CRITICAL' });
    expect(resolved.findings[0]).toMatchObject({ title: 'Download cradle, second stage', severity: 'CRITICAL', createdAt: new Date(T0) });
    // An update is a change (published to subscribers), not a new timeline entry.
    expect(resolved.timeline.map((entry) => entry.kind)).toEqual(['CREATED', 'FINDING_ADDED', 'STATUS_CHANGED']);
    expect(resolved.changes?.map((change) => change.kind)).toEqual(['CREATED', 'FINDING_ADDED', 'STATUS_CHANGED', 'FINDING_UPDATED', 'SEVERITY_CHANGED']);
  });

  it('lets the newest version of a finding win: an older one arriving late only moves its first detection earlier, and severity is never lowered', async () => {
    await write([detection(1, 10, { severityId: 5, title: 'second', version: 2 })]);
    const [before] = await stored();
    // The older version says only when the finding was first detected.
    await write([detection(1, 0, { severityId: 4, title: 'first', version: 1 })]);
    const [late] = await stored();
    expect(late.findings).toEqual([{ ...before.findings[0], createdAt: new Date(T0) }]);
    expect(late).toMatchObject({ title: before.title, severity: 'CRITICAL', correlation: { ...before.correlation, firstFindingAt: new Date(T0) } });
    await write([detection(1, 0, { severityId: 4, title: 'first', version: 1 })]);
    expect(await stored()).toEqual([late]);
    await write([detection(1, 20, { severityId: 2, title: 'third', version: 3 })]);
    const [after] = await stored();
    expect(after).toMatchObject({ severity: 'CRITICAL', findings: [expect.objectContaining({ title: 'third', severity: 'LOW', createdAt: new Date(T0) })] });
    expect(after.changes?.map((change) => change.kind)).toEqual(['CREATED', 'FINDING_ADDED', 'FINDING_UPDATED', 'FINDING_UPDATED']);
  });

  it('changes nothing when a batch is delivered again, and opens no second incident, even after its incident was resolved', async () => {
    const batch = [CRADLE, CRADLE_AGAIN, BRUTE_FORCE, detection(1, 3)];
    await write(batch);
    const first = await stored();
    await write(batch);
    expect(await stored()).toEqual(first);
    await incidents.bulkWrite(first.map((incident) => ({ updateOne: { filter: { uid: incident.uid }, update: { $set: { status: 'CLOSED' } } } })));
    await write([...batch].reverse());
    expect(await stored()).toEqual(first.map((incident) => ({ ...incident, status: 'CLOSED' })));
  });

  it('ends in the same incidents whatever the order, one batch or one event at a time', async () => {
    const events = [
      detection(1, 0, { severityId: 3 }),
      detection(2, 20, { severityId: 5 }),
      detection(3, 40, { severityId: 4 }),
      detection(1, 30, { severityId: 4, title: 'updated', version: 2 }),
      detection(4, 10, { rule: 'CS-IOA-OTHER', severityId: 2 }),
      detection(5, 15, { device: null, severityId: 1 }),
    ];
    /** What must not depend on order: which findings each incident holds, as what version, and its severity. */
    const outcome = async () =>
      (await stored())
        .map((incident) => ({
          findings: incident.findings.map(({ uid, title, severity, createdAt, version }) => ({ uid, title, severity, createdAt, version })),
          severity: incident.severity,
          assets: incident.affectedAssets,
          users: incident.affectedUserUids,
          window: incident.correlation,
          entries: incident.timeline.length,
        }))
        .sort((a, b) => (a.findings[0].uid < b.findings[0].uid ? -1 : 1));
    await write(events);
    const expected = await outcome();
    expect(expected.map((incident) => incident.findings.length)).toEqual([3, 1, 1]);
    for (const order of [[...events].reverse(), [events[3], events[5], events[1], events[0], events[4], events[2]]]) {
      await incidents.deleteMany({});
      for (const event of order) await write([event]);
      expect(await outcome()).toEqual(expected);
      await incidents.deleteMany({});
      await write(order);
      expect(await outcome()).toEqual(expected);
    }
  });

  it("keeps tenants apart: a globex finding never joins acme's incident, even in one batch with the same key and finding uid", async () => {
    await write([CRADLE, [CRADLE_AGAIN, 'globex'], [CRADLE, 'globex']]);
    const [acme] = await stored('acme');
    const [globex] = await stored('globex');
    expect(findingUids(acme)).toEqual(['ldt:7c1e9a2f5b3d:5519']);
    expect(findingUids(globex)).toEqual(['ldt:7c1e9a2f5b3d:5519', 'ldt:7c1e9a2f5b3d:5523']);
    expect(acme.severity).toBe('HIGH');
    await write([[detection('ldt:7c1e9a2f5b3d:5519', 5, { severityId: 6, version: 9 }), 'globex']]);
    expect((await stored('acme'))[0]).toEqual(acme);
  });

  it('takes two round trips per batch whatever its size and tenants, and one for a batch that changes nothing', async () => {
    const batch = Array.from({ length: 60 }, (_, n): [Raw, string] => [detection(n, n % 30, { rule: `rule-${n % 5}` }), n % 2 === 0 ? 'acme' : 'globex']);
    const before = database.stats.roundTrips;
    await write(batch);
    expect(database.stats.roundTrips - before).toBe(2);
    expect(await incidents.countDocuments({})).toBe(10);
    const again = database.stats.roundTrips;
    await write(batch);
    expect(database.stats.roundTrips - again).toBe(1);
  });

  it(`opens another incident once one holds ${MAX_FINDINGS_PER_INCIDENT} findings`, async () => {
    await write(Array.from({ length: MAX_FINDINGS_PER_INCIDENT + 2 }, (_, n) => detection(n, n / 10)));
    expect((await stored()).map((incident) => incident.findings.length).sort((a, b) => a - b)).toEqual([2, MAX_FINDINGS_PER_INCIDENT]);
  });

  it('never overwrites a mutation committed between its read and its write: it says so, and each event is applied again on its own', async () => {
    await write([detection(1, 0)]);
    const [incident] = await stored();
    const commands = new IncidentCommands(new IncidentRepository(new TenantScopedCollection(incidents, 'acme')), 'usr-acme-00001');
    let noted = false;
    // The collection as the writer sees it: the first bulk write finds a note added just before it.
    const racing = new Proxy(incidents, {
      get(target, property, receiver) {
        if (property !== 'bulkWrite') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<DocumentCollection<IncidentDocument>['bulkWrite']>) => {
          if (!noted) {
            noted = true;
            await commands.addNote(incident.uid, 'isolated the laptop');
          }
          return target.bulkWrite(...args);
        };
      },
    });
    const writer = detectionFindingWriter({ ...database, collection: () => racing } as unknown as DocumentDatabase, { windowMs: HOUR });
    await expect(writer.write([read(detection(2, 5))])).rejects.toBeInstanceOf(IncidentChangedMeanwhileError);
    expect(findingUids((await stored())[0])).toEqual(['det-1']);
    // The kit then writes the events one by one, each planned afresh.
    expect(await applyBatch(2004, writer, [{ tenant: 'acme', value: detection(2, 5) }, { tenant: 'acme', value: detection(3, 6) }])).toEqual([{ status: 'applied' }, { status: 'applied' }]);
    const [after] = await stored();
    expect(findingUids(after)).toEqual(['det-1', 'det-2', 'det-3']);
    expect(after.timeline.map((entry) => entry.kind)).toEqual(['CREATED', 'FINDING_ADDED', 'NOTE_ADDED', 'FINDING_ADDED', 'FINDING_ADDED']);
    expect(after.changeSequence).toBe(after.changes?.length);
  });
});

describe('the incident of the sample Detection Findings, through the subgraph', () => {
  let database: DocumentDatabase;
  let service: IncidentsService;

  beforeAll(async () => {
    database = await STORES[0].open();
    service = await createTestService(database, 0);
    await applyBatch(2004, detectionFindingWriter(database), sampleEvents(2004).map((value) => ({ tenant: 'acme', value })));
  });

  afterAll(async () => {
    await service.close();
  });

  it('shows the correlated incident with its findings, observables, timeline, affected asset and user', async () => {
    const { data, errors } = await execute(
      service,
      ACME,
      `query ($asset: ID!) { incidents(filter: { affectedAssetUid: $asset }) { totalCount edges { node {
        title severity status priority affectedAssets { role asset { uid } } affectedUsers { uid }
        findings { uid severity createdAt observables { type value } } timeline { kind actor { uid } toStatus }
      } } } }`,
      { asset: LAPTOP },
    );
    expect(errors).toBeUndefined();
    expect(data?.incidents.totalCount).toBe(1);
    expect(data?.incidents.edges[0].node).toEqual({
      title: 'Suspicious PowerShell download cradle',
      severity: 'CRITICAL',
      status: 'NEW',
      priority: 'UNKNOWN',
      affectedAssets: [{ role: 'AFFECTED', asset: { uid: LAPTOP } }],
      affectedUsers: [{ uid: DANA }],
      findings: [
        {
          uid: 'ldt:7c1e9a2f5b3d:5519',
          severity: 'HIGH',
          createdAt: '2025-06-02T10:01:00.000Z',
          observables: [
            { type: 'HOSTNAME', value: 'lt-dwhitfield.corp.acme.example' },
            { type: 'URL_STRING', value: 'http://198.51.100.23/a.ps1' },
          ],
        },
        {
          uid: 'ldt:7c1e9a2f5b3d:5523',
          severity: 'CRITICAL',
          createdAt: '2025-06-02T10:07:30.000Z',
          observables: [
            { type: 'URL_STRING', value: 'http://198.51.100.23/b.ps1' },
            { type: 'HASH', value: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' },
          ],
        },
      ],
      timeline: [
        { kind: 'CREATED', actor: null, toStatus: 'NEW' },
        { kind: 'FINDING_ADDED', actor: null, toStatus: null },
        { kind: 'FINDING_ADDED', actor: null, toStatus: null },
      ],
    });
  });
});
