import { GraphQLError } from 'graphql';
import { refusal } from '../pipeline/errors';
import { gatewayRequest, preparedOperation, principal, servedSchema } from '../pipeline/test-fixtures';
import { OperationRequest } from '../pipeline/request';
import { useAudit, type AuditRecord } from '.';

const schema = servedSchema('type Query { me: User } type User { uid: ID! email: String risk: String }');

function audited(operation: OperationRequest, result: Parameters<NonNullable<ReturnType<typeof useAudit>['onResult']>>[1]): AuditRecord {
  const lines: string[] = [];
  useAudit((line) => lines.push(line), (coordinate) => coordinate === 'User.email').onResult!(operation, result);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as AuditRecord;
}

describe('useAudit', () => {
  it('writes who asked, what ran, the sensitive fields read and the fields denied; never a variable', () => {
    const who = principal({ sub: 'svc-1', tenant: 'acme', kind: 'script', clientId: 'nightly' });
    const operation = preparedOperation('query Me($secret: String) { me { uid email risk } }', { schema, principal: who, variables: { secret: 'hunter2' } });
    operation.grantedFields = ['User.email', 'Query.me'];
    operation.deniedFields = ['User.risk'];
    const record = audited(operation, { data: { me: { uid: 'u1', email: 'a@acme.example', risk: null } }, errors: [new GraphQLError('Unauthorized field or type', { extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } })] });
    expect(record).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      requestId: 'req-1',
      sub: 'svc-1',
      clientId: 'nightly',
      kind: 'script',
      tenant: 'acme',
      operationName: 'Me',
      operationId: operation.queryHash,
      sensitiveFieldsRead: ['User.email'],
      deniedFields: ['User.risk'],
      outcome: 'partial',
      errorCodes: ['UNAUTHORIZED_FIELD_OR_TYPE'],
      durationMs: expect.any(Number),
    });
    expect(JSON.stringify(record)).not.toContain('hunter2');
  });

  it('names a persisted operation by its id, and tells success, error and refusal apart', () => {
    const operation = preparedOperation('{ me { uid } }', { schema });
    operation.persistedOperationId = 'board-v1';
    expect(audited(operation, { data: { me: null } })).toMatchObject({ operationId: 'board-v1', outcome: 'success', errorCodes: [] });
    expect(audited(operation, { data: null, errors: [new GraphQLError('down', { extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' } })] }).outcome).toBe('error');
    const refused = refusal('Too deep', 'OPERATION_LIMIT_EXCEEDED', { status: 400 });
    expect(audited(operation, { errors: [refused, refused], status: 400 })).toMatchObject({ outcome: 'rejected', errorCodes: ['OPERATION_LIMIT_EXCEEDED'] });
  });

  it('records a request nobody could be authenticated for', () => {
    const operation = new OperationRequest(gatewayRequest(undefined), { query: '{ me { uid } }' });
    const record = audited(operation, { errors: [refusal('missing token', 'UNAUTHENTICATED', { status: 401 })], status: 401 });
    expect(record).toMatchObject({ sub: null, tenant: null, kind: null, clientId: null, operationName: null, operationId: null, outcome: 'unauthenticated' });
  });
});
