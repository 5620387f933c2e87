import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLError } from 'graphql';
import { generateKeyPair, SignJWT } from 'jose';
import { close, listen } from '../../../lib/http-server';
import { GatewayRequest } from '../pipeline/request';
import { readAuthConfig } from '../../../lib/authentication/config';
import { signDevelopmentToken } from '../../../lib/authentication/development-key';
import { useAuthentication } from '.';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'palisade-authentication-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function request(authorization?: string): GatewayRequest {
  return new GatewayRequest('req-1', 'POST', authorization === undefined ? {} : { authorization }, 1);
}

/** What onRequest refused the request with: the error, and the HTTP facts it carries. */
async function refusalOf(promise: Promise<void> | void): Promise<{ message: string; code: unknown; status: number; headers: Record<string, string> }> {
  const error = await Promise.resolve(promise).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  const { message, extensions } = error as GraphQLError;
  const http = extensions.http as { status: number; headers: Record<string, string> };
  return { message, code: extensions.code, status: http.status, headers: http.headers };
}

describe('useAuthentication', () => {
  const plugin = () => useAuthentication({ tokens: readAuthConfig({ PALISADE_DATA_DIR: directory }), partnerWriteClients: new Set(['partner-w']) });
  const token = (options: { kind?: 'user' | 'script' | 'partner'; clientId?: string; scopes?: string[] } = {}) =>
    signDevelopmentToken({ directory, sub: 'alice', tenant: 'acme', scopes: options.scopes ?? ['incidents:read'], kind: options.kind, clientId: options.clientId });

  it('makes the verified token the request principal', async () => {
    const authentication = await plugin();
    const asked = request(`Bearer ${await token()}`);
    await authentication.onRequest!(asked);
    expect(asked.principal).toEqual({ sub: 'alice', tenant: 'acme', kind: 'user', scopes: ['incidents:read'], clientId: undefined });
  });

  it('answers a request without a bearer token 401 with the bare challenge', async () => {
    const authentication = await plugin();
    for (const header of [undefined, 'Basic YWxpY2U6c2VjcmV0']) {
      const refused = await refusalOf(authentication.onRequest!(request(header)));
      expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', status: 401, headers: { 'www-authenticate': 'Bearer' } });
    }
  });

  it('answers a refused token 401 with invalid_token and why, as a valid quoted string', async () => {
    const authentication = await plugin();
    // The reason quotes the token's kid, which holds a quote, a backslash and a non-ASCII letter.
    const { privateKey } = await generateKeyPair('ES256');
    const stranger = await new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'ES256', kid: 'k"\\é' }).setSubject('alice').setExpirationTime('1h').sign(privateKey);
    const refused = await refusalOf(authentication.onRequest!(request(`Bearer ${stranger}`)));
    expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', status: 401, message: 'unknown signing key (kid "k\\"\\\\é")' });
    expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="unknown signing key (kid \\"k\\\\\\"\\\\\\\\?\\")"');
  });

  it('answers 503 with Retry-After, not 401, when the signing keys cannot be fetched', async () => {
    const closed = createServer();
    const { port } = await listen(closed, 0, '127.0.0.1');
    await close(closed);
    const authentication = await useAuthentication({ tokens: readAuthConfig({ JWKS_URL: `http://127.0.0.1:${port}/jwks.json` }), partnerWriteClients: new Set() });
    const refused = await refusalOf(authentication.onRequest!(request(`Bearer ${await token()}`)));
    expect(refused).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503, headers: { 'retry-after': '5' } });
  });

  it("cuts a partner's write scopes unless its client is agreed for writes", async () => {
    const authentication = await plugin();
    const scopes = ['incidents:read', 'incidents:write'];
    const other = request(`Bearer ${await token({ kind: 'partner', clientId: 'partner-x', scopes })}`);
    await authentication.onRequest!(other);
    expect(other.principal?.scopes).toEqual(['incidents:read']);
    const agreed = request(`Bearer ${await token({ kind: 'partner', clientId: 'partner-w', scopes })}`);
    await authentication.onRequest!(agreed);
    expect(agreed.principal?.scopes).toEqual(scopes);
  });
});
