import { buildSchema, getOperationAST, parse, print } from 'graphql';
import { authorizeOperation, type Removal } from './authorize-operation';
import { satisfies } from '.';
import { readRequirements, withoutSecurityPurpose, type RequirementMap } from './requirements';
import { restoreRemovedFields, unauthorizedErrors } from './restore-removed';
import type { Principal } from '../../../lib/principal';

const annotated = `
  schema
    @link(url: "https://specs.apollo.dev/link/v1.0")
    @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
    @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)
  { query: Query }
  directive @link(url: String, for: link__Purpose) repeatable on SCHEMA
  enum link__Purpose { SECURITY EXECUTION }
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT
  directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT
  type Query {
    me: User
    users: [User!]! @requiresScopes(scopes: [["identity:read"]])
    assets: [Asset]
  }
  type User @requiresScopes(scopes: [["identity:read"]]) {
    uid: ID!
    name: String
    email: String @requiresScopes(scopes: [["pii:read"], ["admin"]])
    badge: String! @requiresScopes(scopes: [["pii:read", "hr:read"]])
    risk: String @policy(policies: [["internal"]])
  }
  interface Asset { uid: ID! }
  type Device implements Asset { uid: ID! hostname: String @requiresScopes(scopes: [["assets:read"]]) }
  type Cloud implements Asset { uid: ID! hostname: String }
`;
const schema = buildSchema(annotated);
const requirements: RequirementMap = readRequirements(annotated);
const policies = { internal: (p: Principal) => p.kind !== 'partner' };

function principal(scopes: string[], kind: Principal['kind'] = 'user'): Principal {
  return { sub: 'usr-acme-00001', tenant: 'acme', kind, scopes };
}

function decide(query: string, scopes: string[], kind: Principal['kind'] = 'user') {
  const p = principal(scopes, kind);
  const document = parse(query);
  return authorizeOperation(schema, document, getOperationAST(document)!, requirements, (r) => satisfies(r, p, policies));
}

describe('reading Apollo authorization directives from the supergraph', () => {
  it('reads field and type requirements, with OR of ANDs', () => {
    expect(requirements.get('User.email')?.scopes).toEqual([['pii:read'], ['admin']]);
    expect(requirements.get('User')?.scopes).toEqual([['identity:read']]);
    expect(requirements.get('User.risk')?.policies).toEqual([['internal']]);
  });

  it('removes the SECURITY purpose that @apollo/gateway refuses, and nothing else', () => {
    const loaded = withoutSecurityPurpose(annotated);
    expect(loaded).not.toContain('for: SECURITY');
    expect(loaded).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1")');
    expect(loaded).toContain('@requiresScopes(scopes: [["pii:read"], ["admin"]])');
  });
});

describe('scope semantics', () => {
  const email = requirements.get('User.email')!;
  it.each([
    [['pii:read'], true],
    [['admin'], true],
    [['pii:read', 'admin'], true],
    [['hr:read'], false],
    [[], false],
  ])('User.email with scopes %j: %s', (scopes, allowed) => {
    expect(satisfies(email, principal(scopes), policies)).toBe(allowed);
  });
  it('an inner list needs every scope in it', () => {
    const badge = requirements.get('User.badge')!;
    expect(satisfies(badge, principal(['pii:read']), policies)).toBe(false);
    expect(satisfies(badge, principal(['pii:read', 'hr:read']), policies)).toBe(true);
  });
  it('a policy the table lacks is denied', () => {
    expect(satisfies({ authenticated: true, scopes: null, policies: [['unknown']] }, principal([]), policies)).toBe(false);
  });
});

describe('rewriting an operation before planning', () => {
  it('keeps an operation the caller may fully read unchanged', () => {
    const decision = decide('{ me { uid email } }', ['identity:read', 'pii:read']);
    expect(decision.removals).toEqual([]);
  });

  it('removes exactly the unauthorized fields and restores null with one error each', () => {
    const decision = decide('{ me { uid name email risk } }', ['identity:read'], 'partner');
    expect(print(decision.document!)).toBe(print(parse('{ me { uid name } }')));
    const paths = decision.removals.map((r) => r.path);
    expect(paths).toEqual([['me', 'email'], ['me', 'risk']]);
    const data = restoreRemovedFields({ me: { uid: 'u1', name: 'Ada' } }, decision.removals);
    expect(data).toEqual({ me: { uid: 'u1', name: 'Ada', email: null, risk: null } });
    expect(unauthorizedErrors(decision.removals).map((e) => [e.message, e.extensions.code, e.path])).toEqual([
      ['Unauthorized field or type', 'UNAUTHORIZED_FIELD_OR_TYPE', ['me', 'email']],
      ['Unauthorized field or type', 'UNAUTHORIZED_FIELD_OR_TYPE', ['me', 'risk']],
    ]);
  });

  it('a type requirement applies to every field returning that type', () => {
    const decision = decide('{ me { uid } assets { uid } }', []);
    expect(print(decision.document!)).toBe(print(parse('{ assets { uid } }')));
    expect(restoreRemovedFields({ assets: [] }, decision.removals)).toEqual({ assets: [], me: null });
  });

  it('null from a removed non-null field bubbles to the nearest nullable position', () => {
    const decision = decide('{ me { uid badge } }', ['identity:read', 'pii:read']);
    expect(restoreRemovedFields({ me: { uid: 'u1' } }, decision.removals)).toEqual({ me: null });
  });

  it('a removed non-null root field makes all of data null', () => {
    const decision = decide('{ users { uid } }', []);
    expect(decision.document).toBeNull();
    expect(restoreRemovedFields({}, decision.removals)).toBeNull();
  });

  it('inside a type condition, only objects of that type get null, and the added __typename alias is dropped', () => {
    const decision = decide('{ assets { uid ... on Device { hostname } ... on Cloud { hostname } } }', []);
    const printed = print(decision.document!);
    expect(printed).toContain('palisadeTypename__: __typename');
    expect(printed).not.toMatch(/on Device \{\s*hostname/);
    const data = restoreRemovedFields(
      { assets: [{ uid: 'd1', palisadeTypename__: 'Device' }, { uid: 'c1', hostname: 'c.example', palisadeTypename__: 'Cloud' }, null] },
      decision.removals,
    );
    expect(data).toEqual({ assets: [{ uid: 'd1', hostname: null }, { uid: 'c1', hostname: 'c.example' }, null] });
    expect(decision.removals.map((r: Removal) => r.path)).toEqual([['assets', '@', 'hostname']]);
  });

  it('leaves the data it was given unchanged: an execution result may be shared by several requests', () => {
    const decision = decide('{ me { uid badge } assets { uid ... on Device { hostname } ... on Cloud { hostname } } }', ['identity:read', 'pii:read']);
    const shared = { me: { uid: 'u1' }, assets: [{ uid: 'd1', palisadeTypename__: 'Device' }, { uid: 'c1', hostname: 'c.example', palisadeTypename__: 'Cloud' }] };
    const before = structuredClone(shared);
    const restored = restoreRemovedFields(deepFreeze(shared), decision.removals);
    expect(restored).toEqual({ me: null, assets: [{ uid: 'd1', hostname: null }, { uid: 'c1', hostname: 'c.example' }] });
    expect(shared).toEqual(before);
  });

  it('copies only what changes, and keeps a field a client itself aliased palisadeTypename__ where no alias was added', () => {
    const decision = decide('{ me { uid email } assets { uid } }', ['identity:read', 'assets:read']);
    const shared = deepFreeze({ me: { uid: 'u1', email: 'ada@example.com' }, assets: [{ uid: 'd1' }] });
    const restored = restoreRemovedFields(shared, decision.removals)!;
    expect(restored).toEqual({ me: { uid: 'u1', email: null }, assets: [{ uid: 'd1' }] });
    expect(restored.assets).toBe(shared.assets);
    const aliased = decide('{ me { uid palisadeTypename__: uid email } }', ['identity:read']);
    expect(restoreRemovedFields({ me: { uid: 'u1', palisadeTypename__: 'u1' } }, aliased.removals)).toEqual({ me: { uid: 'u1', palisadeTypename__: 'u1', email: null } });
  });

  it('inlines named fragments so each removal has one path', () => {
    const decision = decide('query { me { ...F } } fragment F on User { uid email }', ['identity:read']);
    expect(decision.removals.map((r) => r.path)).toEqual([['me', 'email']]);
    expect(print(decision.document!)).not.toContain('fragment');
  });

  it('removes a parent whose every child was removed, reporting only the children', () => {
    const decision = decide('{ me { email } assets { uid } }', ['identity:read']);
    expect(print(decision.document!)).toBe(print(parse('{ assets { uid } }')));
    expect(unauthorizedErrors(decision.removals).map((e) => e.path)).toEqual([['me', 'email']]);
    expect(restoreRemovedFields({ assets: [] }, decision.removals)).toEqual({ assets: [], me: null });
  });

  it('authorizes the operation it is given (the one the pipeline selected), not the first of the document', () => {
    const document = parse('query Open { me { uid } } query Private { me { email } }');
    const p = principal(['identity:read']);
    const decision = authorizeOperation(schema, document, getOperationAST(document, 'Private')!, requirements, (r) => satisfies(r, p, policies));
    expect(decision.removals.map((r) => r.path)).toEqual([['me', 'email'], ['me']]);
    expect(decision.document).toBeNull();
  });

  it('respects aliases in paths', () => {
    const decision = decide('{ boss: me { mail: email } }', ['identity:read']);
    expect(decision.removals.filter((r) => r.reported).map((r) => r.path)).toEqual([['boss', 'mail']]);
  });
});

describe('what the audit trail learns', () => {
  it('lists the protected fields that were read', () => {
    const decision = decide('{ me { uid email } }', ['identity:read', 'pii:read']);
    // Query.me is protected through its return type's requirement; User.uid carries none.
    expect(decision.granted.sort()).toEqual(['Query.me', 'User.email']);
  });
});

/** Freezes an object graph, so that any write to it throws (test files run in strict mode). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
