import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, GraphQLError, printSchema } from 'graphql';
import type { Principal } from '../../../lib/principal';
import { ManifestError } from './manifest';
import { PersistedOperations, type PersistedOperationsOptions } from './persisted-operations';
import { apiSchema, eventually, partnerX, PEOPLE, recordingLogger, sampleDirectory, sampleOperation, script } from './test-fixtures';

const incidentBoard = sampleOperation('manifest.json', 'IncidentBoard');
/** How many operations the committed sample's shared manifest lists. */
const SHARED_OPERATIONS = (JSON.parse(readFileSync(join(__dirname, '../../../schema/persisted-queries/manifest.json'), 'utf8')) as { operations: unknown[] }).operations.length;
const partnerZ: Principal = { ...partnerX, sub: 'partner-z', clientId: 'partner-z' };
const apq = (sha256Hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash } } });

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length > 0) cleanup.pop()!();
});

function load(path: string, overrides: Partial<PersistedOperationsOptions> = {}) {
  const { logger, lines } = recordingLogger();
  const operations = PersistedOperations.load({ path, schema: apiSchema(), mode: 'enforce', users: 'any', logger, watch: false, ...overrides });
  cleanup.push(() => operations.close());
  return { operations, lines };
}

function sample() {
  const directory = sampleDirectory();
  cleanup.push(directory.remove);
  return directory.path;
}

function runs(operations: PersistedOperations, principal: Principal, id: string): boolean {
  try {
    return operations.resolve(apq(id), principal).persistedOperationId === id;
  } catch (error) {
    if (error instanceof GraphQLError) return false;
    throw error;
  }
}

const BROKEN_FIELD = JSON.stringify({
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [{ id: 'p-1', name: 'Broken', type: 'query', body: 'query Broken { incidents { edges { node { uid secretNotes } } } }' }],
});

describe('loading', () => {
  it('loads a directory: the shared manifest and one list per client, with counts for metrics', () => {
    const { operations, lines } = load(sample());
    expect(operations.stats()).toMatchObject({ sharedOperations: SHARED_OPERATIONS, clientOperations: { 'partner-x': 2, 'relay-app': 1 }, reloadFailures: 0, lastFailure: null });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'persisted operations loaded', sharedOperations: SHARED_OPERATIONS }));
  });

  it('loads a single manifest file as the shared list', () => {
    const directory = sample();
    const { operations } = load(join(directory, 'manifest.json'));
    expect(operations.stats()).toMatchObject({ sharedOperations: SHARED_OPERATIONS, clientOperations: {} });
    expect(runs(operations, script, incidentBoard.id)).toBe(true);
  });

  it('refuses to start on an invalid operation, naming the file, the operation and the validation message', () => {
    const directory = sample();
    const file = join(directory, 'clients', 'partner-x.json');
    writeFileSync(file, BROKEN_FIELD);
    expect(() => load(directory)).toThrow(new ManifestError(file, 'operation p-1 (Broken): Cannot query field "secretNotes" on type "Incident". (line 1, column 47 of its body)'));
  });

  it('refuses a directory without manifest.json, saying what belongs in it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'palisade-pq-'));
    cleanup.push(() => rmSync(empty, { recursive: true, force: true }));
    expect(() => load(empty)).toThrow('manifest.json: cannot be read (ENOENT): a persisted operations directory holds manifest.json and clients/<client_id>.json');
    expect(() => load(join(empty, 'missing'))).toThrow(`${join(empty, 'missing')}: cannot be read (ENOENT)`);
  });
});

describe('following the schema the gateway serves', () => {
  it('validates the lists again when the supergraph changes; one that no longer validates is refused and counted', () => {
    const { operations, lines } = load(sample());
    const withoutUsers = buildSchema(printSchema(apiSchema()).replace(/^  users\(/m, '  people('));
    const outcome = operations.updateSchema(withoutUsers);
    expect(outcome).toMatchObject({ status: 'refused', reason: expect.stringContaining('Cannot query field "users"') });
    expect(operations.stats()).toMatchObject({ reloadFailures: 1 });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'persisted operations refused; the previous list stays in use' }));

    expect(operations.updateSchema(apiSchema())).toEqual({ status: 'reloaded' });
    expect(operations.stats().lastFailure).toBeNull();
  });
});

describe('reloading', () => {
  it('keeps the previous list when the new one has an invalid operation, and counts the failure', () => {
    const directory = sample();
    const { operations, lines } = load(directory);
    const loadedAt = operations.stats().loadedAt;
    writeFileSync(join(directory, 'manifest.json'), BROKEN_FIELD);

    const outcome = operations.reload();
    expect(outcome).toEqual({ status: 'refused', reason: expect.stringContaining(`${join(directory, 'manifest.json')}: operation p-1 (Broken): Cannot query field "secretNotes"`) });
    expect(runs(operations, script, incidentBoard.id)).toBe(true);
    expect(operations.stats()).toMatchObject({ sharedOperations: SHARED_OPERATIONS, loadedAt, reloadFailures: 1, lastFailure: (outcome as { reason: string }).reason });
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'persisted operations refused; the previous list stays in use' }));

    writeFileSync(join(directory, 'manifest.json'), '{"format": "apollo-persisted-query-manifest", "version": 1,');
    expect(operations.reload()).toMatchObject({ status: 'refused', reason: expect.stringContaining('is not valid JSON') });
    expect(operations.stats().reloadFailures).toBe(2);
  });

  it('reloads nothing when the contents did not change', () => {
    const { operations, lines } = load(sample());
    expect(operations.reload()).toEqual({ status: 'unchanged' });
    expect(lines.filter((l) => l.msg === 'persisted operations reloaded')).toHaveLength(0);
  });

  it('picks up a new client file when the watcher sees it, and logs the reload', async () => {
    const directory = sample();
    const { operations, lines } = load(directory, { watch: true, debounceMs: 20 });
    const peopleId = 'people-v1';
    expect(runs(operations, partnerZ, peopleId)).toBe(false);

    writeFileSync(join(directory, 'clients', 'partner-z.json'), JSON.stringify({ [peopleId]: PEOPLE }));
    await eventually(() => operations.stats().clientOperations['partner-z'] === 1);
    expect(runs(operations, partnerZ, peopleId)).toBe(true);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'persisted operations reloaded', clientOperations: { 'partner-x': 2, 'partner-z': 1, 'relay-app': 1 } }));

    writeFileSync(join(directory, 'clients', 'partner-z.json'), BROKEN_FIELD);
    await eventually(() => operations.stats().reloadFailures === 1);
    expect(runs(operations, partnerZ, peopleId)).toBe(true);
  });

  it('follows a single manifest file replaced by a rename, as editors and ConfigMaps do', async () => {
    const directory = sample();
    const file = join(directory, 'manifest.json');
    const { operations } = load(file, { watch: true, debounceMs: 20 });
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { operations: { name: string }[] };
    manifest.operations = manifest.operations.filter((o) => o.name !== 'IncidentBoard');
    writeFileSync(`${file}.tmp`, JSON.stringify(manifest));
    renameSync(`${file}.tmp`, file);
    await eventually(() => operations.stats().sharedOperations === SHARED_OPERATIONS - 1);
    expect(runs(operations, script, incidentBoard.id)).toBe(false);
  });

  it('close() stops watching and is safe to call twice: a file changed afterwards is not reloaded', async () => {
    const directory = sample();
    const { operations } = load(directory, { watch: true, debounceMs: 20 });
    const peopleId = 'people-v1';
    // Watching, a new client file is picked up.
    writeFileSync(join(directory, 'clients', 'partner-z.json'), JSON.stringify({ [peopleId]: PEOPLE }));
    await eventually(() => operations.stats().clientOperations['partner-z'] === 1);
    operations.close();
    operations.close();

    // A second list watches the same files with ten times the quiet time: once it has reloaded, the first
    // would long have reloaded too, had it still been watching. No fixed sleep.
    const { operations: witness } = load(directory, { watch: true, debounceMs: 200 });
    writeFileSync(join(directory, 'clients', 'partner-z.json'), BROKEN_FIELD);
    await eventually(() => witness.stats().reloadFailures === 1);
    expect(operations.stats()).toMatchObject({ reloadFailures: 0, clientOperations: { 'partner-x': 2, 'partner-z': 1, 'relay-app': 1 } });
    expect(runs(operations, partnerZ, peopleId)).toBe(true);
    // A reload asked for by hand still reads the files.
    expect(operations.reload()).toMatchObject({ status: 'refused' });
  });
});
