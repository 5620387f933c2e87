import { OperationTypeNode } from 'graphql';
import { PRINCIPAL_HEADER, verifyPrincipal } from '../../../lib/principal';
import type { SubgraphFetch } from '../pipeline/plugin';
import type { OperationRequest } from '../pipeline/request';
import { gatewayRequest, preparedOperation, principal, servedSchema } from '../pipeline/test-fixtures';
import * as signing from '../../../lib/principal';
import { usePrincipalForwarding } from '.';

const SECRET = Buffer.from('a-principal-secret-of-at-least-32-characters');
const schema = servedSchema('type Query { a: Int }');

function fetchFor(operation: OperationRequest): SubgraphFetch {
  return { subgraph: 'identity', url: 'http://identity/graphql', operationKind: OperationTypeNode.QUERY, query: '{ a }', operationName: undefined, variables: {}, headers: {}, operation };
}

afterEach(() => jest.restoreAllMocks());

describe('usePrincipalForwarding', () => {
  it('sends every subgraph the verified principal, signed, and the request id', async () => {
    const who = principal({ sub: 'svc-1', tenant: 'globex', kind: 'script', scopes: ['incidents:read'], clientId: 'nightly' });
    const operation = preparedOperation('{ a }', { schema, request: gatewayRequest(who, { id: 'req-9' }) });
    const sent: SubgraphFetch[] = [];
    await usePrincipalForwarding(SECRET).fetch!(fetchFor(operation), async (fetch) => (sent.push(fetch), { data: {} }));
    expect(sent[0].headers['x-request-id']).toBe('req-9');
    expect(verifyPrincipal(sent[0].headers[PRINCIPAL_HEADER], SECRET)).toEqual(who);
    expect(() => verifyPrincipal(sent[0].headers[PRINCIPAL_HEADER], Buffer.from('another-secret-of-at-least-32-characters!'))).toThrow();
  });

  it('signs once per principal for half the header\'s life, and never sends one principal\'s signature for another', async () => {
    const sign = jest.spyOn(signing, 'signPrincipal');
    let time = 1_000_000;
    const forwarding = usePrincipalForwarding(SECRET, () => time);
    const next = async () => ({ data: {} });
    const alicePrincipal = principal();
    for (let i = 0; i < 3; i++) await forwarding.fetch!(fetchFor(preparedOperation('{ a }', { schema, principal: alicePrincipal })), next);
    expect(sign).toHaveBeenCalledTimes(1);
    // Another principal object, even with equal claims, is signed for itself.
    const sent: SubgraphFetch[] = [];
    const record = async (fetch: SubgraphFetch) => (sent.push(fetch), { data: {} });
    await forwarding.fetch!(fetchFor(preparedOperation('{ a }', { schema, principal: principal({ sub: 'bob' }) })), record);
    expect(sign).toHaveBeenCalledTimes(2);
    expect(verifyPrincipal(sent[0].headers[PRINCIPAL_HEADER], SECRET, time).sub).toBe('bob');
    // Half of the header's life later it is signed again, so what a subgraph gets always has 30 s left.
    time += 30_000;
    await forwarding.fetch!(fetchFor(preparedOperation('{ a }', { schema, principal: alicePrincipal })), record);
    expect(sign).toHaveBeenCalledTimes(3);
    expect(verifyPrincipal(sent[1].headers[PRINCIPAL_HEADER], SECRET, time + 59_000)).toEqual(alicePrincipal);
  });
});
