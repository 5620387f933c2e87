import { Kind, parse, type ConstDirectiveNode, type ConstValueNode, type DocumentNode } from 'graphql';

/**
 * What a type or field demands of the caller, read from Apollo's authorization directives in the
 * supergraph. Lists follow Apollo's semantics: the outer list is OR, each inner list is AND.
 */
export interface Requirement {
  authenticated: boolean;
  scopes: string[][] | null;
  policies: string[][] | null;
}

/** Requirements by type name ("User") and by field coordinate ("User.email"). */
export type RequirementMap = ReadonlyMap<string, Requirement>;

const SPECS = {
  authenticated: 'https://specs.apollo.dev/authenticated/',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes/',
  policy: 'https://specs.apollo.dev/policy/',
} as const;

/**
 * `@apollo/gateway` refuses a supergraph whose authorization specs are linked `for: SECURITY`, because
 * Apollo enforces them only in its licensed Router (UNSUPPORTED_LINKED_FEATURE). Palisade enforces them
 * itself, so it hands the inner gateway the same supergraph with that purpose removed from those links.
 */
export function withoutSecurityPurpose(supergraphSdl: string): string {
  return supergraphSdl.replace(
    /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes|policy)\/v[0-9.]+"[^)]*?), for: SECURITY/g,
    '$1',
  );
}

export function readRequirements(supergraphSdl: string): RequirementMap {
  const document = parse(supergraphSdl);
  const names = directiveNames(document);
  const requirements = new Map<string, Requirement>();
  const add = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    const requirement = requirementOf(directives ?? [], names);
    if (!requirement) return;
    const existing = requirements.get(coordinate);
    requirements.set(coordinate, existing ? both(existing, requirement) : requirement);
  };
  for (const definition of document.definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        add(definition.name.value, definition.directives);
        for (const field of definition.fields ?? []) add(`${definition.name.value}.${field.name.value}`, field.directives);
        break;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_DEFINITION:
        add(definition.name.value, definition.directives);
        break;
      default:
        break;
    }
  }
  return requirements;
}

/** Both requirements must hold: AND distributes over the OR lists (every pair of alternatives is joined). */
export function both(a: Requirement, b: Requirement): Requirement {
  return {
    authenticated: a.authenticated || b.authenticated,
    scopes: joinAlternatives(a.scopes, b.scopes),
    policies: joinAlternatives(a.policies, b.policies),
  };
}

function joinAlternatives(a: string[][] | null, b: string[][] | null): string[][] | null {
  if (!a) return b;
  if (!b) return a;
  return a.flatMap((left) => b.map((right) => [...new Set([...left, ...right])]));
}

/** The names the supergraph uses for the three directives, honouring `@link(..., as: "...")`. */
function directiveNames(document: DocumentNode): Record<keyof typeof SPECS, string> {
  const names = { authenticated: 'authenticated', requiresScopes: 'requiresScopes', policy: 'policy' };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = argument(link, 'url');
      const alias = argument(link, 'as');
      if (url?.kind !== Kind.STRING || alias?.kind !== Kind.STRING) continue;
      for (const [key, prefix] of Object.entries(SPECS) as Array<[keyof typeof SPECS, string]>) {
        if (url.value.startsWith(prefix)) names[key] = alias.value;
      }
    }
  }
  return names;
}

function requirementOf(directives: readonly ConstDirectiveNode[], names: Record<keyof typeof SPECS, string>): Requirement | null {
  let requirement: Requirement | null = null;
  for (const directive of directives) {
    const name = directive.name.value;
    let found: Requirement | null = null;
    if (name === names.authenticated) found = { authenticated: true, scopes: null, policies: null };
    if (name === names.requiresScopes) found = { authenticated: true, scopes: stringMatrix(argument(directive, 'scopes')), policies: null };
    if (name === names.policy) found = { authenticated: true, scopes: null, policies: stringMatrix(argument(directive, 'policies')) };
    if (found) requirement = requirement ? both(requirement, found) : found;
  }
  return requirement;
}

function argument(directive: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

function stringMatrix(value: ConstValueNode | undefined): string[][] {
  if (value?.kind !== Kind.LIST) return [];
  return value.values.map((inner) => (inner.kind === Kind.LIST ? inner.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : []));
}
