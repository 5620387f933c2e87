import * as parser from 'graphql/language/parser';
import * as validation from 'graphql/validation/validate';
import { GraphQLError } from 'graphql';
import type { Principal } from '../../../lib/principal';
import { PersistedOperations } from './persisted-operations';
import { sha256Hex } from './persisted-operation';
import type { GraphQLParams } from '../pipeline/request';
import type { PersistedQueriesMode, ResolvedRequest, UserOperationPolicy } from './resolve-request';
import {
  apiSchema,
  partnerX,
  partnerY,
  PEOPLE,
  PEOPLE_RELAY_ID,
  recordingLogger,
  sampleDirectory,
  sampleOperation,
  script,
  UNLISTED,
  user,
} from './test-fixtures';

const incidentBoard = sampleOperation('manifest.json', 'IncidentBoard');
const partnerIncidents = sampleOperation('clients/partner-x.json', 'PartnerIncidents');
const directory = sampleDirectory();
afterAll(() => directory.remove());

function registry(mode: PersistedQueriesMode, users: UserOperationPolicy = 'any') {
  const { logger, lines } = recordingLogger();
  const operations = PersistedOperations.load({ path: directory.path, schema: apiSchema(), mode, users, logger, watch: false });
  return { operations, lines };
}

function refusal(run: () => unknown): { code: unknown; status: unknown; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    const { extensions, message } = error as GraphQLError;
    return { code: extensions.code, status: (extensions.http as { status: number }).status, message };
  }
  throw new Error('the request was not refused');
}

const apq = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

describe('ids in every form', () => {
  const { operations } = registry('enforce');

  it("replaces Apollo's extensions.persistedQuery hash by the listed document, keeping the other extensions", () => {
    const body: GraphQLParams = { operationName: 'IncidentBoard', variables: { a: 1 }, extensions: { ...apq(incidentBoard.id), traceId: 't-1' } };
    expect(operations.resolve(body, script)).toEqual({
      params: { query: incidentBoard.body, operationName: 'IncidentBoard', variables: { a: 1 }, extensions: { traceId: 't-1' } },
      persistedOperationId: incidentBoard.id,
    });
    expect(body.extensions).toHaveProperty('persistedQuery');
  });

  it('resolves a GraphQL-over-HTTP documentId sha256:<hex>, in either case, and removes it', () => {
    for (const documentId of [`sha256:${incidentBoard.id}`, `sha256:${incidentBoard.id.toUpperCase()}`]) {
      const resolved = operations.resolve({ documentId, variables: {} }, user);
      expect(resolved).toEqual({ params: { query: incidentBoard.body, variables: {} }, persistedOperationId: incidentBoard.id });
    }
  });

  it("resolves a custom id sent as documentId, Relay's doc_id, and sha256:<hex> of a Relay document's text", () => {
    const relayApp: Principal = { ...partnerX, clientId: 'relay-app' };
    const expected: ResolvedRequest = { params: { query: PEOPLE }, persistedOperationId: PEOPLE_RELAY_ID };
    expect(operations.resolve({ documentId: PEOPLE_RELAY_ID }, relayApp)).toEqual(expected);
    expect(operations.resolve({ doc_id: PEOPLE_RELAY_ID }, relayApp)).toEqual(expected);
    expect(operations.resolve({ documentId: `sha256:${sha256Hex(PEOPLE)}` }, relayApp)).toEqual(expected);
  });

  it('runs a listed hash sent together with its own body (whatever the whitespace) as the listed operation', () => {
    const reformatted = incidentBoard.body.replace(/\s+/g, '  ');
    const resolved = operations.resolve({ query: reformatted, extensions: apq(incidentBoard.id) }, script);
    expect(resolved).toEqual({ params: { query: incidentBoard.body }, persistedOperationId: incidentBoard.id });
  });

  it('refuses an id together with a body: CANNOT_SEND_PQ_ID_AND_BODY (400)', () => {
    const refusals = [
      refusal(() => operations.resolve({ documentId: `sha256:${incidentBoard.id}`, query: incidentBoard.body }, user)),
      refusal(() => operations.resolve({ doc_id: incidentBoard.id, query: UNLISTED }, script)),
      refusal(() => operations.resolve({ query: UNLISTED, extensions: apq(incidentBoard.id) }, script)),
    ];
    for (const r of refusals) expect(r).toMatchObject({ code: 'CANNOT_SEND_PQ_ID_AND_BODY', status: 400 });
    expect(refusals[0].message).toContain('not both');
  });

  it('refuses an id that is not text', () => {
    const body = { documentId: 42 } as unknown as GraphQLParams;
    expect(refusal(() => operations.resolve(body, script))).toMatchObject({ code: 'BAD_REQUEST', status: 400, message: expect.stringContaining('documentId must be a non-empty string') });
  });

  it('leaves a request with neither an id nor a body to the pipeline, which asks for a query', () => {
    expect(operations.resolve({ variables: {} }, partnerX)).toEqual({ params: { variables: {} } });
  });
});

type Outcome = 'runs listed' | 'runs' | 'APQ' | string;

/** What each kind of client gets for each kind of request, per mode. */
const REQUESTS = ['listed id', 'listed body', 'unlisted body', 'unknown APQ hash', 'APQ registration', 'unknown documentId'] as const;
const TABLE: [PersistedQueriesMode, string, Principal, UserOperationPolicy, Outcome[]][] = [
  ['off', 'user', user, 'any', ['runs listed', 'runs listed', 'runs', 'APQ', 'APQ', 'PERSISTED_QUERY_NOT_IN_LIST']],
  ['off', 'script', script, 'any', ['runs listed', 'runs listed', 'runs', 'APQ', 'APQ', 'PERSISTED_QUERY_NOT_IN_LIST']],
  ['off', 'partner', partnerX, 'any', ['runs listed', 'runs listed', 'runs', 'APQ', 'APQ', 'PERSISTED_QUERY_NOT_IN_LIST']],
  ['audit', 'user', user, 'any', ['runs listed', 'runs listed', 'runs', 'APQ', 'APQ', 'PERSISTED_QUERY_NOT_IN_LIST']],
  ['audit', 'script', script, 'any', ['runs listed', 'runs listed', 'runs', 'APQ', 'APQ', 'PERSISTED_QUERY_NOT_IN_LIST']],
  ['audit', 'partner', partnerX, 'any', ['runs listed', 'runs listed', 'runs', 'APQ', 'APQ', 'PERSISTED_QUERY_NOT_IN_LIST']],
  ['enforce', 'user (users=any)', user, 'any', ['runs listed', 'runs listed', 'runs', 'APQ', 'APQ', 'PERSISTED_QUERY_NOT_IN_LIST']],
  ['enforce', 'user (users=safelist)', user, 'safelist', ['runs listed', 'runs listed', 'QUERY_NOT_IN_SAFELIST', 'PERSISTED_QUERY_NOT_IN_LIST', 'QUERY_NOT_IN_SAFELIST', 'PERSISTED_QUERY_NOT_IN_LIST']],
  ['enforce', 'script', script, 'any', ['runs listed', 'runs listed', 'QUERY_NOT_IN_SAFELIST', 'APQ', 'APQ', 'PERSISTED_QUERY_NOT_IN_LIST']],
  ['enforce', 'partner', partnerX, 'any', ['runs listed', 'PERSISTED_QUERY_ID_REQUIRED', 'PERSISTED_QUERY_ID_REQUIRED', 'PERSISTED_QUERY_NOT_IN_LIST', 'FORBIDDEN', 'PERSISTED_QUERY_NOT_IN_LIST']],
];
const STATUS: Record<string, number> = {
  PERSISTED_QUERY_NOT_IN_LIST: 404,
  PERSISTED_QUERY_ID_REQUIRED: 400,
  QUERY_NOT_IN_SAFELIST: 403,
  FORBIDDEN: 403,
};

describe.each(TABLE)('mode %s, %s', (mode, _kind, principal, users, outcomes) => {
  const { operations } = registry(mode, users);
  const listed = principal.kind === 'partner' ? partnerIncidents : incidentBoard;
  const unknownHash = sha256Hex(UNLISTED);
  const bodies: Record<(typeof REQUESTS)[number], GraphQLParams> = {
    'listed id': { extensions: apq(listed.id) },
    'listed body': { query: listed.body },
    'unlisted body': { query: UNLISTED },
    'unknown APQ hash': { extensions: apq(unknownHash) },
    'APQ registration': { query: UNLISTED, extensions: apq(unknownHash) },
    'unknown documentId': { documentId: `sha256:${unknownHash}` },
  };

  it.each(REQUESTS.map((request, i) => [request, outcomes[i]]))('%s: %s', (request, outcome) => {
    const body = bodies[request as keyof typeof bodies];
    if (outcome === 'runs listed') {
      const resolved = operations.resolve(body, principal);
      expect(resolved.persistedOperationId).toBe(listed.id);
      expect(resolved.params.extensions).toBeUndefined();
      expect(resolved.params.query).toBe(listed.body);
    } else if (outcome === 'runs') {
      // Unchanged: the pipeline runs the body.
      expect(operations.resolve(body, principal)).toEqual({ params: body });
    } else if (outcome === 'APQ') {
      // Unchanged, with the hash for APQ: it answers PERSISTED_QUERY_NOT_FOUND, or registers the body sent with it.
      expect(operations.resolve(body, principal)).toEqual({ params: body, apqHash: unknownHash });
    } else {
      expect(refusal(() => operations.resolve(body, principal))).toMatchObject({ code: outcome, status: STATUS[outcome] });
    }
  });
});

describe('partners under enforce', () => {
  const { operations } = registry('enforce');

  it("runs only its own client's operations: not the shared list's, not another partner's", () => {
    expect(refusal(() => operations.resolve({ extensions: apq(incidentBoard.id) }, partnerX))).toMatchObject({ code: 'PERSISTED_QUERY_NOT_IN_LIST', status: 404 });
    const other = refusal(() => operations.resolve({ documentId: `sha256:${partnerIncidents.id}` }, partnerY));
    expect(other.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(other.message).toContain('ask for the operation to be added to the manifest for client partner-y');
  });

  it('says what to do in each refusal', () => {
    expect(refusal(() => operations.resolve({ query: partnerIncidents.body }, partnerX)).message).toBe(
      'Client partner-x must send operations by id (extensions.persistedQuery.sha256Hash, documentId or doc_id), not as a query body; ask for the operation to be added to the manifest for client partner-x if it is not listed yet',
    );
    const register = refusal(() => operations.resolve({ query: partnerIncidents.body, extensions: apq(partnerIncidents.id) }, partnerX));
    expect(register).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(register.message).toContain('Client partner-x may not register operations with automatic persisted queries');
  });

  it('refuses a partner token without a client_id everything, saying why', () => {
    const anonymous: Principal = { ...partnerX, clientId: undefined };
    expect(refusal(() => operations.resolve({ extensions: apq(partnerIncidents.id) }, anonymous)).message).toContain('a partner token must carry a client_id');
  });

  it('marks the refusals a manifest reload can fix as not cacheable', () => {
    try {
      operations.resolve({ extensions: apq(incidentBoard.id) }, partnerX);
    } catch (error) {
      const headers = ((error as GraphQLError).extensions.http as { headers: Record<string, string> }).headers;
      expect(headers['cache-control']).toBe('private, no-cache, must-revalidate');
    }
    expect.assertions(1);
  });
});

describe('audit mode', () => {
  it('logs each operation enforce would refuse with the client and the hash, never the variables', () => {
    const { operations, lines } = registry('audit');
    operations.resolve({ extensions: apq(incidentBoard.id) }, script);
    operations.resolve({ query: partnerIncidents.body }, partnerX);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(0);

    operations.resolve({ query: UNLISTED, operationName: 'Groups', variables: { secret: 'hunter2' } }, script);
    operations.resolve({ extensions: apq(incidentBoard.id) }, partnerX);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({ clientId: 'export-job', kind: 'script', operationHash: sha256Hex(UNLISTED), operationName: 'Groups' }),
      expect.objectContaining({ clientId: 'partner-x', kind: 'partner', operationHash: incidentBoard.id, operationName: 'IncidentBoard' }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});

describe('the request path', () => {
  it('never parses or validates: that happened once, at load', () => {
    const parse = jest.spyOn(parser, 'parse');
    const validate = jest.spyOn(validation, 'validate');
    try {
      const { operations } = registry('enforce', 'safelist');
      expect(parse).toHaveBeenCalled();
      expect(validate).toHaveBeenCalled();
      parse.mockClear();
      validate.mockClear();
      operations.resolve({ extensions: apq(incidentBoard.id) }, script);
      operations.resolve({ query: incidentBoard.body }, user);
      operations.resolve({ documentId: `sha256:${partnerIncidents.id}` }, partnerX);
      refusal(() => operations.resolve({ query: UNLISTED }, user));
      refusal(() => operations.resolve({ query: '{ broken' }, script));
      expect(parse).not.toHaveBeenCalled();
      expect(validate).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
      validate.mockRestore();
    }
  });
});
