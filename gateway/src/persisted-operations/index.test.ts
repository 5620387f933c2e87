import { buildSchema, printSchema } from 'graphql';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { refusal } from '../pipeline/errors';
import type { GatewayPlugin } from '../pipeline/plugin';
import type { ServedSchema } from '../pipeline/served-schema';
import { principal, recordingLogger, silentLogger, testPipeline, usePrincipal } from '../pipeline/test-fixtures';
import { memoryApqStore, type ApqStore } from './apq-store';
import type { PersistedQueriesConfig } from './config';
import { sha256Hex } from './persisted-operation';
import { apiSchema, partnerX, PEOPLE, sampleDirectory, sampleOperation, script } from './test-fixtures';
import { usePersistedOperations } from '.';

const served: ServedSchema = { generation: 1, api: apiSchema(), supergraphSdl: '' };
const OFF: PersistedQueriesConfig = { path: undefined, mode: 'off', users: 'any', apqTtlSeconds: 60 };
const apq = (sha256Hash: string, version = 1) => ({ persistedQuery: { version, sha256Hash } });

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The pipeline with usePersistedOperations, recording what ran and the APQ look-ups; `after` runs after it. */
async function gateway(options: { config?: PersistedQueriesConfig; who?: Principal; store?: ApqStore; after?: GatewayPlugin[]; logger?: Logger } = {}) {
  const ran: Array<{ text: string | undefined; persistedOperationId: string | undefined }> = [];
  const lookups: string[] = [];
  const persisted = usePersistedOperations(options.config ?? OFF, options.store ?? memoryApqStore(60), options.logger ?? silentLogger, (result) => lookups.push(result));
  cleanups.push(() => persisted.close?.());
  await persisted.onStart!(served);
  const { run } = testPipeline({
    schema: served,
    plugins: [usePrincipal(options.who ?? script), persisted, ...(options.after ?? [])],
    execute: async (operation) => {
      ran.push({ text: operation.text, persistedOperationId: operation.persistedOperationId });
      return { data: { ran: true } };
    },
  });
  return { run, ran, lookups, persisted };
}

const QUERY = '{ users(first: 1) { totalCount } }';

describe('automatic persisted queries', () => {
  it('answers a hash it does not know PERSISTED_QUERY_NOT_FOUND with HTTP 200, uncacheable, and runs nothing', async () => {
    const { run, ran, lookups } = await gateway();
    const answer = await run({ extensions: apq(sha256Hex(QUERY)) });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('private, no-cache, must-revalidate');
    expect(answer.body).toEqual({ errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
    expect(ran).toEqual([]);
    expect(lookups).toEqual(['miss']);
  });

  it('registers a document sent with its hash once it ran, and runs it by its hash afterwards', async () => {
    const { run, ran, lookups } = await gateway();
    expect((await run({ query: QUERY, extensions: apq(sha256Hex(QUERY)) })).body).toEqual({ data: { ran: true } });
    const again = await run({ extensions: apq(sha256Hex(QUERY)) });
    expect(again).toMatchObject({ status: 200, body: { data: { ran: true } } });
    expect(ran.map((operation) => operation.text)).toEqual([QUERY, QUERY]);
    expect(lookups).toEqual(['hit']);
  });

  it('takes a hash in upper case for the same hash', async () => {
    const { run, ran } = await gateway();
    const hash = sha256Hex(QUERY).toUpperCase();
    await run({ query: QUERY, extensions: apq(hash) });
    expect((await run({ extensions: apq(hash) })).body).toEqual({ data: { ran: true } });
    expect((await run({ extensions: apq(hash.toLowerCase()) })).body).toEqual({ data: { ran: true } });
    expect(ran).toHaveLength(3);
  });

  it('registers nothing for a document that was refused: invalid, or refused by a later check', async () => {
    const refuseAll: GatewayPlugin = {
      name: 'refuse-all',
      onOperation() {
        throw refusal('Too expensive', 'COST_ESTIMATED_TOO_EXPENSIVE', { status: 400 });
      },
    };
    const invalid = '{ users(first: 1) { nosuchfield } }';
    const first = await gateway();
    expect((await first.run({ query: invalid, extensions: apq(sha256Hex(invalid)) })).status).toBe(400);
    expect((await first.run({ extensions: apq(sha256Hex(invalid)) })).body).toMatchObject({ errors: [{ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });

    const store = memoryApqStore(60);
    const refusing = await gateway({ store, after: [refuseAll] });
    expect((await refusing.run({ query: QUERY, extensions: apq(sha256Hex(QUERY)) })).status).toBe(400);
    expect(await store.get(sha256Hex(QUERY))).toBeUndefined();
  });

  it('refuses a document that does not match its hash with 400, and registers nothing', async () => {
    const store = memoryApqStore(60);
    const { run, ran } = await gateway({ store });
    const answer = await run({ query: QUERY, extensions: apq(sha256Hex('{ groups { totalCount } }')) });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ errors: [{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }] });
    expect(ran).toEqual([]);
    expect(await store.get(sha256Hex('{ groups { totalCount } }'))).toBeUndefined();
  });

  it('refuses another version of the protocol with 400', async () => {
    const { run } = await gateway();
    const answer = await run({ query: QUERY, extensions: apq(sha256Hex(QUERY), 2) });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ errors: [{ message: 'Unsupported persisted query version: send extensions.persistedQuery.version 1' }] });
  });

  it('answers in full when the registration cannot be written, and says so in the log', async () => {
    const broken: ApqStore = { get: async () => undefined, set: () => Promise.reject(new Error('store down')) };
    const { logger, lines } = recordingLogger();
    const { run } = await gateway({ store: broken, logger });
    expect((await run({ query: QUERY, extensions: apq(sha256Hex(QUERY)) })).body).toEqual({ data: { ran: true } });
    await new Promise(setImmediate);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'APQ registration failed; the client will send the document again' }));
  });
});

describe('trusted documents', () => {
  const partnerIncidents = sampleOperation('clients/partner-x.json', 'PartnerIncidents');

  async function enforced(who: Principal) {
    const directory = sampleDirectory();
    cleanups.push(directory.remove);
    return gateway({ config: { path: directory.path, mode: 'enforce', users: 'any', apqTtlSeconds: 60 }, who });
  }

  it("runs a listed operation by its id, and every later check sees the listed document and its id", async () => {
    const { run, ran } = await enforced(partnerX);
    expect((await run({ documentId: `sha256:${partnerIncidents.id}` })).body).toEqual({ data: { ran: true } });
    expect(ran).toEqual([{ text: partnerIncidents.body, persistedOperationId: partnerIncidents.id }]);
  });

  it('refuses what the list does not allow, before the text is parsed', async () => {
    const { run, ran } = await enforced(partnerX);
    const answer = await run({ query: PEOPLE });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ errors: [{ extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED' } }] });
    expect(ran).toEqual([]);
  });

  it('validates the list again against every new supergraph, keeping the one in use when it no longer validates', async () => {
    const { persisted } = await enforced(principal());
    const withoutUsers = buildSchema(printSchema(apiSchema()).replace(/^  users\(/m, '  people('));
    persisted.onSchema!({ generation: 2, api: withoutUsers, supergraphSdl: '' });
    expect(persisted.list?.stats()).toMatchObject({ reloadFailures: 1 });
    persisted.onSchema!(served);
    expect(persisted.list?.stats()).toMatchObject({ reloadFailures: 1, lastFailure: null });
  });

  it('has no list without PERSISTED_QUERIES', async () => {
    const { persisted } = await gateway();
    expect(persisted.list).toBeUndefined();
  });
});
