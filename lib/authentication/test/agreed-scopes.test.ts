import { readPartnerWriteClients, withAgreedScopes } from '../agreed-scopes';

describe('agreed scopes', () => {
  const partner = { sub: 'p', tenant: 'acme', kind: 'partner' as const, scopes: ['assets:read', 'assets:write'], clientId: 'partner-x' };

  it('leaves users, scripts and agreed partners as they are, and drops the write scopes of any other partner', () => {
    const user = { ...partner, kind: 'user' as const };
    expect(withAgreedScopes(user, new Set())).toBe(user);
    expect(withAgreedScopes(partner, new Set(['partner-x']))).toBe(partner);
    expect(withAgreedScopes(partner, new Set(['partner-y']))).toEqual({ ...partner, scopes: ['assets:read'] });
    expect(withAgreedScopes({ ...partner, clientId: undefined }, new Set(['partner-x'])).scopes).toEqual(['assets:read']);
  });

  it('reads PARTNER_WRITE_CLIENTS as a comma-separated list', () => {
    expect(readPartnerWriteClients({})).toEqual(new Set());
    expect(readPartnerWriteClients({ PARTNER_WRITE_CLIENTS: ' partner-x, ,partner-y ' })).toEqual(new Set(['partner-x', 'partner-y']));
  });
});
