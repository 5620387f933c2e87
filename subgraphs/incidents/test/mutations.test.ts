import { TenantScopedCollection, type Document, type DocumentCollection, type DocumentDatabase } from '../../../subgraph-kit/documents';
import { INCIDENTS_COLLECTION, type IncidentDocument, type IncidentStatus } from '../src/data/incident-document';
import { IncidentCommands } from '../src/data/incident-commands';
import { IncidentRepository } from '../src/data/incident-repository';
import { NEXT_STATUSES } from '../src/data/status-workflow';
import type { IncidentsService } from '../src/server';
import { ACME, GLOBEX, createTestService, describeSkippedMongo, discard, execute, fixtureIncident, storedIncident, STORES } from './helpers';

describeSkippedMongo();

const STATUSES: IncidentStatus[] = ['NEW', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED'];

const UPDATE_STATUS = `mutation($uid: ID!, $status: IncidentStatus!, $reopen: Boolean, $note: String) {
  updateIncidentStatus(uid: $uid, status: $status, reopen: $reopen, note: $note) {
    uid status resolvedAt closedAt updatedAt timeline { kind message actor { uid } fromStatus toStatus }
  }
}`;

const CREATE = `mutation($input: CreateIncidentInput!) {
  createIncident(input: $input) {
    uid tenant title description severity status verdict priority createdAt updatedAt
    assignee { uid } assigneeGroup { uid } affectedAssets { role asset { uid } } affectedUsers { uid }
    timeline { kind message actor { uid } toStatus }
  }
}`;

const ASSIGN = `mutation($uid: ID!, $assigneeUid: ID, $assigneeGroupUid: ID) {
  assignIncident(uid: $uid, assigneeUid: $assigneeUid, assigneeGroupUid: $assigneeGroupUid) {
    assignee { uid } assigneeGroup { uid } timeline { kind message actor { uid } }
  }
}`;

const ADD_NOTE = `mutation($uid: ID!, $note: String!) { addIncidentNote(uid: $uid, note: $note) { updatedAt timeline { kind message actor { uid } } } }`;

/**
 * The real collection, with reads held until `parties` readers have all read: so concurrent commands are
 * certain to decide on the same state before any of them writes, on either store.
 */
function readBarrier<T extends Document>(collection: DocumentCollection<T>, parties: number): DocumentCollection<T> {
  let arrived = 0;
  let release!: () => void;
  const allRead = new Promise<void>((resolve) => (release = resolve));
  return new Proxy(collection, {
    get(target, property, receiver) {
      if (property !== 'findOne') return Reflect.get(target, property, receiver);
      return async (...args: Parameters<DocumentCollection<T>['findOne']>) => {
        const result = await target.findOne(...args);
        if (++arrived === parties) release();
        await allRead;
        return result;
      };
    },
  });
}

describe.each(STORES)('incident mutations on the $name', (store) => {
  let database: DocumentDatabase;
  let service: IncidentsService;

  beforeAll(async () => {
    database = await store.open();
    service = await createTestService(database, 0);
  });
  afterAll(() => service.close());
  afterAll(() => discard(database));

  async function given(status: IncidentStatus, overrides: Partial<IncidentDocument> = {}, tenant = 'acme'): Promise<IncidentDocument> {
    const incident = fixtureIncident(tenant, status, overrides);
    await database.collection<IncidentDocument>(INCIDENTS_COLLECTION).insertOne(incident);
    return incident;
  }

  describe('createIncident', () => {
    it('opens an incident with status NEW, a CREATED entry by the caller, and every given field', async () => {
      const input = {
        title: '  Beacon to known C2  ',
        description: 'EDR saw it on two hosts',
        severity: 'CRITICAL',
        priority: 'HIGH',
        assigneeUid: 'usr-acme-00002',
        assigneeGroupUid: 'grp-acme-00001',
        affectedAssets: [{ uid: 'dev-acme-00001', role: 'TARGET' }, { uid: 'dev-acme-00002', role: 'SOURCE' }],
        affectedUserUids: ['usr-acme-00003'],
      };
      const result = await execute(service, ACME, CREATE, { input });
      expect(result.errors).toBeUndefined();
      const created = result.data?.createIncident;
      expect(created).toMatchObject({
        tenant: 'acme',
        title: 'Beacon to known C2',
        severity: 'CRITICAL',
        status: 'NEW',
        verdict: 'UNKNOWN',
        priority: 'HIGH',
        assignee: { uid: 'usr-acme-00002' },
        assigneeGroup: { uid: 'grp-acme-00001' },
        affectedAssets: [{ role: 'TARGET', asset: { uid: 'dev-acme-00001' } }, { role: 'SOURCE', asset: { uid: 'dev-acme-00002' } }],
        affectedUsers: [{ uid: 'usr-acme-00003' }],
        timeline: [{ kind: 'CREATED', actor: { uid: ACME.sub }, toStatus: 'NEW' }],
      });
      expect(created.uid).toMatch(/^inc-acme-/);
      expect(created.createdAt).toBe(created.updatedAt);
      const stored = await storedIncident(database, created.uid);
      expect(stored).toMatchObject({ tenant: 'acme', severityId: 5, status: 'NEW' });
      const read = await execute(service, ACME, 'query($uid: ID!) { incident(uid: $uid) { uid } }', { uid: created.uid });
      expect(read.data?.incident).toEqual({ uid: created.uid });
      const fromGlobex = await execute(service, GLOBEX, 'query($uid: ID!) { incident(uid: $uid) { uid } }', { uid: created.uid });
      expect(fromGlobex.data?.incident).toBeNull();
    });

    it('applies the defaults: priority UNKNOWN, no assignee, no affected assets or users', async () => {
      const result = await execute(service, ACME, CREATE, { input: { title: 'Minimal', severity: 'LOW' } });
      expect(result.data?.createIncident).toMatchObject({ priority: 'UNKNOWN', description: null, assignee: null, assigneeGroup: null, affectedAssets: [], affectedUsers: [] });
    });

    const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    it.each<[string, Record<string, unknown>, string]>([
      ['an empty title', { title: '   ' }, 'input.title'],
      ['a title over 200 characters', { title: 'x'.repeat(201) }, 'input.title'],
      ['a description over 10,000 characters', { description: 'x'.repeat(10_001) }, 'input.description'],
      ['51 affected assets', { affectedAssets: many(51, 'dev').map((uid) => ({ uid, role: 'AFFECTED' })) }, 'input.affectedAssets'],
      ['an affected asset listed twice', { affectedAssets: [{ uid: 'dev-1', role: 'TARGET' }, { uid: 'dev-1', role: 'SOURCE' }] }, 'input.affectedAssets'],
      ['51 affected users', { affectedUserUids: many(51, 'usr') }, 'input.affectedUserUids'],
      ['an empty affected user uid', { affectedUserUids: [''] }, 'input.affectedUserUids'],
      ['an empty assignee uid', { assigneeUid: '' }, 'input.assigneeUid'],
    ])('refuses %s with BAD_USER_INPUT naming the argument, and stores nothing', async (_, change, argument) => {
      const before = await database.collection(INCIDENTS_COLLECTION).countDocuments({});
      const result = await execute(service, ACME, CREATE, { input: { title: 'Valid title', severity: 'HIGH', ...change } });
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: argument });
      expect(await database.collection(INCIDENTS_COLLECTION).countDocuments({})).toBe(before);
    });

    it('refuses a severity that is not one', async () => {
      const result = await execute(service, ACME, CREATE, { input: { title: 'Valid title', severity: 'SEVERE' } });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toContain('input.severity');
    });

    it('accepts 50 affected assets and 50 affected users', async () => {
      const result = await execute(service, ACME, CREATE, {
        input: { title: 'Wide', severity: 'HIGH', affectedAssets: many(50, 'dev').map((uid) => ({ uid, role: 'AFFECTED' })), affectedUserUids: many(50, 'usr') },
      });
      expect(result.errors).toBeUndefined();
      expect(result.data?.createIncident.affectedAssets).toHaveLength(50);
    });
  });

  describe('updateIncidentStatus', () => {
    const pairs = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as [IncidentStatus, IncidentStatus]));

    it.each(pairs.filter(([from, to]) => NEXT_STATUSES[from].includes(to) && from !== 'CLOSED'))(
      'moves %s -> %s, stamps it and appends one STATUS_CHANGED entry by the caller',
      async (from, to) => {
        const incident = await given(from);
        const result = await execute(service, ACME, UPDATE_STATUS, { uid: incident.uid, status: to });
        expect(result.errors).toBeUndefined();
        const updated = result.data?.updateIncidentStatus;
        expect(updated.status).toBe(to);
        expect(updated.timeline).toHaveLength(incident.timeline.length + 1);
        expect(updated.timeline.at(-1)).toEqual({ kind: 'STATUS_CHANGED', message: `Status changed from ${from} to ${to}`, actor: { uid: ACME.sub }, fromStatus: from, toStatus: to });
        expect(updated.updatedAt).not.toBe(incident.updatedAt.toISOString());
        if (to === 'RESOLVED') expect(updated.resolvedAt).toBe(updated.updatedAt);
        if (to === 'CLOSED') expect(updated.closedAt).toBe(updated.updatedAt);
        if (to === 'IN_PROGRESS' && from === 'RESOLVED') expect([updated.resolvedAt, updated.closedAt]).toEqual([null, null]);
      },
    );

    it.each(pairs.filter(([from, to]) => !NEXT_STATUSES[from].includes(to)))(
      'refuses %s -> %s with BAD_USER_INPUT naming status, and leaves the incident unchanged',
      async (from, to) => {
        const incident = await given(from);
        const result = await execute(service, ACME, UPDATE_STATUS, { uid: incident.uid, status: to, reopen: true });
        expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'status' });
        expect(result.errors?.[0].message).toContain(`from ${from} it can move to`);
        expect(await storedIncident(database, incident.uid)).toEqual(incident);
      },
    );

    it('reopens a CLOSED incident only with reopen: true, recording a REOPENED entry and clearing resolvedAt and closedAt', async () => {
      const incident = await given('CLOSED');
      const refused = await execute(service, ACME, UPDATE_STATUS, { uid: incident.uid, status: 'IN_PROGRESS' });
      expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'reopen' });
      expect(await storedIncident(database, incident.uid)).toEqual(incident);

      const result = await execute(service, ACME, UPDATE_STATUS, { uid: incident.uid, status: 'IN_PROGRESS', reopen: true, note: 'New evidence' });
      expect(result.errors).toBeUndefined();
      expect(result.data?.updateIncidentStatus).toMatchObject({ status: 'IN_PROGRESS', resolvedAt: null, closedAt: null });
      expect(result.data?.updateIncidentStatus.timeline.at(-1)).toEqual({
        kind: 'REOPENED',
        message: 'Reopened: status changed from CLOSED to IN_PROGRESS: New evidence',
        actor: { uid: ACME.sub },
        fromStatus: 'CLOSED',
        toStatus: 'IN_PROGRESS',
      });
    });

    it('records the note with the change, and refuses an empty or oversized note without writing', async () => {
      const incident = await given('NEW');
      const noted = await execute(service, ACME, UPDATE_STATUS, { uid: incident.uid, status: 'IN_PROGRESS', note: 'Taking this one' });
      expect(noted.data?.updateIncidentStatus.timeline.at(-1).message).toBe('Status changed from NEW to IN_PROGRESS: Taking this one');
      for (const note of ['  ', 'x'.repeat(10_001)]) {
        const result = await execute(service, ACME, UPDATE_STATUS, { uid: incident.uid, status: 'RESOLVED', note });
        expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'note' });
      }
      expect((await storedIncident(database, incident.uid))?.status).toBe('IN_PROGRESS');
    });

    it('of two updates decided on the same status, applies one: the other gets CONFLICT and the timeline holds only the winner', async () => {
      const incident = await given('NEW');
      const raced = readBarrier(database.collection<IncidentDocument>(INCIDENTS_COLLECTION), 2);
      const commands = () => new IncidentCommands(new IncidentRepository(new TenantScopedCollection(raced, 'acme')), ACME.sub);
      const results = await Promise.allSettled([commands().updateStatus(incident.uid, 'IN_PROGRESS', false), commands().updateStatus(incident.uid, 'ON_HOLD', false)]);

      const won = results.filter((r): r is PromiseFulfilledResult<IncidentDocument> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0].reason.extensions).toMatchObject({ code: 'CONFLICT' });
      expect(lost[0].reason.message).toContain('nothing was written');
      const stored = await storedIncident(database, incident.uid);
      expect(stored?.status).toBe(won[0].value.status);
      expect(stored?.timeline).toHaveLength(incident.timeline.length + 1);
      expect(stored?.timeline.at(-1)).toMatchObject({ kind: 'STATUS_CHANGED', fromStatus: 'NEW', toStatus: won[0].value.status });
    });
  });

  describe('assignIncident', () => {
    it('sets the assignee and group, records ASSIGNED by the caller, and leaves an argument that was left out alone', async () => {
      const incident = await given('NEW', { assigneeGroupUid: 'grp-acme-00002' });
      const result = await execute(service, ACME, 'mutation($uid: ID!) { assignIncident(uid: $uid, assigneeUid: "usr-acme-00007") { assignee { uid } assigneeGroup { uid } timeline { kind message actor { uid } } } }', { uid: incident.uid });
      expect(result.errors).toBeUndefined();
      expect(result.data?.assignIncident).toMatchObject({ assignee: { uid: 'usr-acme-00007' }, assigneeGroup: { uid: 'grp-acme-00002' } });
      expect(result.data?.assignIncident.timeline.at(-1)).toEqual({ kind: 'ASSIGNED', message: 'Assigned to user usr-acme-00007', actor: { uid: ACME.sub } });
    });

    it('clears with an explicit null', async () => {
      const incident = await given('IN_PROGRESS', { assigneeUid: 'usr-acme-00007', assigneeGroupUid: 'grp-acme-00002' });
      const result = await execute(service, ACME, ASSIGN, { uid: incident.uid, assigneeUid: null, assigneeGroupUid: 'grp-acme-00003' });
      expect(result.data?.assignIncident).toMatchObject({ assignee: null, assigneeGroup: { uid: 'grp-acme-00003' } });
      expect(result.data?.assignIncident.timeline.at(-1).message).toBe('Assignee cleared; Assigned to group grp-acme-00003');
    });

    it('refuses a call that names neither, or an empty uid, without writing', async () => {
      const incident = await given('NEW');
      const neither = await execute(service, ACME, 'mutation($uid: ID!) { assignIncident(uid: $uid) { assignee { uid } } }', { uid: incident.uid });
      expect(neither.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'assigneeUid' });
      const empty = await execute(service, ACME, ASSIGN, { uid: incident.uid, assigneeGroupUid: ' ' });
      expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'assigneeGroupUid' });
      expect(await storedIncident(database, incident.uid)).toEqual(incident);
    });

    it('of two assignments decided on the same assignee, applies one and refuses the other with CONFLICT', async () => {
      const incident = await given('NEW');
      const raced = readBarrier(database.collection<IncidentDocument>(INCIDENTS_COLLECTION), 2);
      const commands = () => new IncidentCommands(new IncidentRepository(new TenantScopedCollection(raced, 'acme')), ACME.sub);
      const results = await Promise.allSettled([commands().assign(incident.uid, { assigneeUid: 'usr-acme-00010' }), commands().assign(incident.uid, { assigneeUid: 'usr-acme-00011' })]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const stored = await storedIncident(database, incident.uid);
      expect(stored?.timeline.filter((e) => e.kind === 'ASSIGNED')).toHaveLength(1);
      expect(stored?.timeline.at(-1)?.message).toBe(`Assigned to user ${stored?.assigneeUid}`);
    });
  });

  describe('addIncidentNote', () => {
    it('appends NOTE_ADDED by the caller and moves updatedAt', async () => {
      const incident = await given('IN_PROGRESS');
      const result = await execute(service, ACME, ADD_NOTE, { uid: incident.uid, note: 'Isolated the host.' });
      expect(result.data?.addIncidentNote.timeline.at(-1)).toEqual({ kind: 'NOTE_ADDED', message: 'Isolated the host.', actor: { uid: ACME.sub } });
      expect(result.data?.addIncidentNote.updatedAt).not.toBe(incident.updatedAt.toISOString());
    });

    it.each([['an empty note', ' \n '], ['a note over 10,000 characters', 'x'.repeat(10_001)]])('refuses %s with BAD_USER_INPUT naming note', async (_, note) => {
      const incident = await given('NEW');
      const result = await execute(service, ACME, ADD_NOTE, { uid: incident.uid, note });
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'note' });
      expect(await storedIncident(database, incident.uid)).toEqual(incident);
    });

    it('accepts a note of exactly 10,000 characters', async () => {
      const incident = await given('NEW');
      const result = await execute(service, ACME, ADD_NOTE, { uid: incident.uid, note: 'x'.repeat(10_000) });
      expect(result.errors).toBeUndefined();
    });
  });

  describe('unknown incidents and other tenants', () => {
    const mutations: Array<[string, string, Record<string, unknown>]> = [
      ['updateIncidentStatus', UPDATE_STATUS, { status: 'IN_PROGRESS' }],
      ['assignIncident', ASSIGN, { assigneeUid: 'usr-globex-00001' }],
      ['addIncidentNote', ADD_NOTE, { note: 'hello' }],
    ];

    it.each(mutations)('%s refuses an unknown uid with BAD_USER_INPUT naming uid', async (_, mutation, variables) => {
      const result = await execute(service, ACME, mutation, { uid: 'inc-acme-none', ...variables });
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'uid' });
    });

    it.each(mutations)("%s from a globex principal cannot touch an acme incident: same answer as unknown, nothing written", async (_, mutation, variables) => {
      const incident = await given('NEW');
      const result = await execute(service, GLOBEX, mutation, { uid: incident.uid, ...variables });
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'uid' });
      expect(result.errors?.[0].message).toBe(`There is no incident with uid "${incident.uid}" (argument "uid")`);
      expect(await storedIncident(database, incident.uid)).toEqual(incident);
    });
  });
});
