import { print } from 'graphql';
import type { Principal } from '../../../lib/principal';
import type { Executable, ExecutionOutcome } from '../pipeline/plugin';
import { preparedOperation, principal, recordingLogger, servedSchema, silentLogger } from '../pipeline/test-fixtures';
import type { ServedSchema } from '../pipeline/served-schema';
import { useAuthorization, type AuthorizationMode } from '.';

const sdl = (emailScope: string) => `
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT
  directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT
  type Query { me: User }
  type User { uid: ID! email: String @requiresScopes(scopes: [["${emailScope}"]]) risk: String @policy(policies: [["internal"]]) }
`;
const policies = { internal: (p: Principal) => p.kind !== 'partner' };
const QUERY = '{ me { uid email risk } }';

function authorization(mode: AuthorizationMode = 'filter', logger = silentLogger) {
  const lookups: string[] = [];
  const plugin = useAuthorization({ mode, policies, logger, onDecisionLookup: (result) => lookups.push(result) });
  /** Runs the execute hook for `who`; `next` records what would be planned and answers with the data given. */
  const execute = async (who: Principal, schema: ServedSchema, data: Record<string, unknown> = { me: { uid: 'u1', email: 'a@acme.example', risk: 'low' } }) => {
    const operation = preparedOperation(QUERY, { schema, principal: who });
    const executed: Executable[] = [];
    const outcome = await plugin.execute!(operation, { document: operation.document!, operation: operation.operation!, queryHash: operation.queryHash! }, async (executable): Promise<ExecutionOutcome> => {
      executed.push(executable);
      return { data };
    });
    return { outcome, executed: executed.map((executable) => print(executable.document)), operation };
  };
  return { plugin, execute, lookups };
}

describe('useAuthorization', () => {
  const schema = servedSchema(sdl('pii:read'));

  it('plans the operation without what the caller may not read, and answers null with one error for each', async () => {
    const { execute } = authorization();
    const { outcome, executed, operation } = await execute(principal({ kind: 'partner', scopes: [] }), schema, { me: { uid: 'u1' } });
    expect(executed).toEqual([print(preparedOperation('{ me { uid } }', { schema }).document!)]);
    expect(outcome.data).toEqual({ me: { uid: 'u1', email: null, risk: null } });
    expect(outcome.errors?.map((error) => [error.message, error.path])).toEqual([
      ['Unauthorized field or type', ['me', 'email']],
      ['Unauthorized field or type', ['me', 'risk']],
    ]);
    expect(operation.deniedFields).toEqual(['User.email', 'User.risk']);
  });

  it('runs an operation the caller may read in full as it is, and tells the audit trail what was read', async () => {
    const { execute } = authorization();
    const { outcome, executed, operation } = await execute(principal({ scopes: ['pii:read'] }), schema);
    expect(executed).toEqual([print(preparedOperation(QUERY, { schema }).document!)]);
    expect(outcome.errors).toBeUndefined();
    expect(operation.grantedFields.sort()).toEqual(['User.email', 'User.risk']);
  });

  it('keys its cached decisions by everything they depend on: the scope set (in any order), each policy, the schema', async () => {
    const { execute, lookups } = authorization();
    await execute(principal({ scopes: ['pii:read', 'assets:read'] }), schema);
    await execute(principal({ sub: 'bob', scopes: ['assets:read', 'pii:read'] }), schema);
    expect(lookups).toEqual(['miss', 'hit']);
    // The same scopes, another answer of the policy: not the cached decision.
    const partner = await execute(principal({ kind: 'partner', scopes: ['pii:read', 'assets:read'] }), schema);
    expect(partner.outcome.data).toEqual({ me: { uid: 'u1', email: 'a@acme.example', risk: null } });
    // Fewer scopes: not the cached decision either.
    const fewer = await execute(principal({ scopes: ['assets:read'] }), schema);
    expect(fewer.outcome.data).toMatchObject({ me: { email: null } });
    // A new supergraph that protects email with another scope: decided again, against it.
    const reloaded = await execute(principal({ scopes: ['pii:read', 'assets:read'] }), servedSchema(sdl('hr:read')));
    expect(reloaded.outcome.data).toMatchObject({ me: { email: null } });
    expect(lookups).toEqual(['miss', 'hit', 'miss', 'miss', 'miss']);
  });

  it('refuses the whole operation in reject mode, and runs nothing', async () => {
    const { execute } = authorization('reject');
    const { outcome, executed } = await execute(principal({ scopes: [] }), schema);
    expect(executed).toEqual([]);
    expect(outcome).toEqual({ errors: [expect.objectContaining({ message: 'Unauthorized field or type', path: ['me', 'email'] })] });
  });

  it('runs the operation as it is in dry-run mode, and logs what it would have removed', async () => {
    const { logger, lines } = recordingLogger();
    const { execute } = authorization('dry-run', logger);
    const { outcome, executed } = await execute(principal({ kind: 'partner', scopes: [] }), schema);
    expect(executed).toEqual([print(preparedOperation(QUERY, { schema }).document!)]);
    expect(outcome.errors).toBeUndefined();
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'authorization dry run: fields would be removed', deniedFields: ['User.email', 'User.risk'] })]);
  });

  it('reads the requirements of the supergraph served now', () => {
    const { plugin } = authorization();
    expect(plugin.requirementOf('User.email')).toBeUndefined();
    plugin.onSchema!(schema);
    expect(plugin.requirementOf('User.email')?.scopes).toEqual([['pii:read']]);
    plugin.onSchema!(servedSchema(sdl('hr:read')));
    expect(plugin.requirementOf('User.email')?.scopes).toEqual([['hr:read']]);
    expect(plugin.requirementOf('User.uid')).toBeUndefined();
  });
});
