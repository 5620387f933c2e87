import { ManifestError, parseManifest } from './manifest';
import { prepareOperation } from './persisted-operation';
import { apiSchema, PEOPLE } from './test-fixtures';

const FILE = 'clients/partner-x.json';

function apollo(operations: unknown[]): string {
  return JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations });
}

function refusal(text: string): string {
  try {
    parseManifest(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).file).toBe(FILE);
    expect((error as Error).message.startsWith(`${FILE}: `)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('the manifest was accepted');
}

describe('manifest formats', () => {
  it("reads Apollo's format", () => {
    const manifest = parseManifest(apollo([{ id: 'a1', name: 'People', type: 'query', body: PEOPLE }]), FILE);
    expect(manifest).toEqual({ file: FILE, format: 'apollo', entries: [{ id: 'a1', name: 'People', type: 'query', body: PEOPLE }] });
  });

  it("reads Relay's id-to-text map", () => {
    const manifest = parseManifest(JSON.stringify({ 'relay-1': PEOPLE, 'relay-2': 'query Other { users { totalCount } }' }), FILE);
    expect(manifest.format).toBe('relay');
    expect(manifest.entries).toEqual([
      { id: 'relay-1', body: PEOPLE },
      { id: 'relay-2', body: 'query Other { users { totalCount } }' },
    ]);
  });

  it.each([
    ['text that is not JSON', '{"format": ', 'is not valid JSON'],
    ['a JSON array', '[]', 'expected a JSON object'],
    ['another format', JSON.stringify({ format: 'my-manifest', version: 1, operations: [] }), '"format" must be "apollo-persisted-query-manifest", got "my-manifest"'],
    ['another version', JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 2, operations: [] }), '"version" must be 1, got 2'],
    ['operations that are not a list', JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: {} }), '"operations" must be an array'],
    ['an entry without an id', apollo([{ name: 'People', type: 'query', body: PEOPLE }]), 'operations[0].id must be a non-empty string'],
    ['an entry without a name', apollo([{ id: 'a1', type: 'query', body: PEOPLE }]), 'operations[0] (id a1): "name" must be a non-empty string'],
    ['an unknown type', apollo([{ id: 'a1', name: 'People', type: 'select', body: PEOPLE }]), '"type" must be one of query, mutation, subscription, got "select"'],
    ['an empty body', apollo([{ id: 'a1', name: 'People', type: 'query', body: ' ' }]), 'operations[0] (id a1): "body" must be'],
    ['a repeated id', apollo([{ id: 'a1', name: 'People', type: 'query', body: PEOPLE }, { id: 'a1', name: 'People', type: 'query', body: PEOPLE }]), 'operations[1]: id a1 appears more than once'],
    ['a Relay map with a value that is not text', JSON.stringify({ 'relay-1': { text: PEOPLE } }), 'the value of "relay-1" must be the operation\'s document text'],
  ])('refuses %s, naming the file and the fault', (_what, text, expected) => {
    expect(refusal(text)).toContain(expected);
  });
});

describe('checking an operation against the API schema', () => {
  const prepare = (body: string, name?: string, type?: 'query' | 'mutation') => prepareOperation({ id: 'op-7', name, type, body }, apiSchema(), FILE);
  const message = (body: string, name?: string, type?: 'query' | 'mutation') => {
    try {
      prepare(body, name, type);
    } catch (error) {
      expect(error).toBeInstanceOf(ManifestError);
      return (error as Error).message;
    }
    throw new Error('the operation was accepted');
  };

  it('keeps a valid operation with its hash and its body without ignored characters', () => {
    const operation = prepare(PEOPLE, 'People', 'query');
    expect(operation).toMatchObject({ id: 'op-7', name: 'People', type: 'query', body: PEOPLE });
    expect(operation.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(operation.normalizedBody).toBe('query People{users(first:5){edges{node{uid name}}}}');
  });

  it('names the file, the operation and the validation message', () => {
    const text = message('query People {\n  users { edges { node { uid nickname } } }\n}', 'People');
    expect(text).toBe(`${FILE}: operation op-7 (People): Cannot query field "nickname" on type "User". Did you mean "name"? (line 2, column 30 of its body)`);
  });

  it('refuses a body that does not parse', () => {
    expect(message('query People { users {', 'People')).toContain('operation op-7 (People): Syntax Error: Expected Name, found <EOF>.');
  });

  it('refuses a document with two operations, a name or a type that the body contradicts', () => {
    expect(message(`${PEOPLE} query Other { users { totalCount } }`)).toContain('exactly one operation, this one holds 2');
    expect(message(PEOPLE, 'Persons')).toContain('the manifest names it Persons, its body names it People');
    expect(message(PEOPLE, 'People', 'mutation')).toContain('the manifest says it is a mutation, its body is a query');
  });
});
