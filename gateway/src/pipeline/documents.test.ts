import * as parser from 'graphql/language/parser';
import * as validation from 'graphql/validation/validate';
import { countTokens, DocumentCache, sha256Hex } from './documents';
import { servedSchema } from './test-fixtures';

const SDL = 'type Query { user(uid: ID!): User users: [User!]! }\ntype User { uid: ID! name: String email: String }';

let parse: jest.SpiedFunction<typeof parser.parse>;
let validate: jest.SpiedFunction<typeof validation.validate>;
beforeEach(() => {
  parse = jest.spyOn(parser, 'parse');
  validate = jest.spyOn(validation, 'validate');
});
afterEach(() => jest.restoreAllMocks());

describe('the document cache', () => {
  it('parses each text once, however many requests send it, and reports hits and misses', () => {
    const lookups: string[] = [];
    const documents = new DocumentCache({ maxTokens: 1000, onLookup: (result) => lookups.push(result) });
    const text = '{ users { uid } }';
    const first = documents.get(text);
    const second = documents.get(text);
    expect(second).toBe(first);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(lookups).toEqual(['miss', 'hit']);
    expect(first).toMatchObject({ text, hash: sha256Hex(text), tokens: 6, syntaxError: undefined });
    expect(first.document?.definitions).toHaveLength(1);
    // Another text, even one that differs only in whitespace, is another document.
    documents.get('{ users { uid }}');
    expect(parse).toHaveBeenCalledTimes(2);
  });

  it('keeps at most maxEntries texts, the least recently used leaving first', () => {
    const documents = new DocumentCache({ maxTokens: 1000, maxEntries: 2 });
    documents.get('{ a }');
    documents.get('{ b }');
    documents.get('{ a }');
    documents.get('{ c }');
    expect(parse).toHaveBeenCalledTimes(3);
    documents.get('{ a }');
    expect(parse).toHaveBeenCalledTimes(3);
    documents.get('{ b }');
    expect(parse).toHaveBeenCalledTimes(4);
  });

  it('validates a document once per schema, and again against a new schema', () => {
    const documents = new DocumentCache({ maxTokens: 1000 });
    const [before, after] = [servedSchema(SDL), servedSchema(SDL)];
    const entry = documents.get('{ user(uid: "u1") { name } }');
    expect(documents.validate(entry, before)).toEqual([]);
    expect(documents.validate(documents.get('{ user(uid: "u1") { name } }'), before)).toEqual([]);
    expect(validate).toHaveBeenCalledTimes(1);
    expect(documents.validate(entry, after)).toEqual([]);
    expect(validate).toHaveBeenCalledTimes(2);
  });

  it('keeps a verdict for one schema only: the errors against a schema without the field', () => {
    const documents = new DocumentCache({ maxTokens: 1000 });
    const withEmail = servedSchema(SDL);
    const withoutEmail = servedSchema(SDL.replace(' email: String', ''));
    const entry = documents.get('{ users { email } }');
    expect(documents.validate(entry, withEmail)).toEqual([]);
    const errors = documents.validate(entry, withoutEmail);
    expect(errors.map((error) => [error.message, error.extensions.code])).toEqual([['Cannot query field "email" on type "User".', 'GRAPHQL_VALIDATION_FAILED']]);
    expect(errors[0].locations).toEqual([{ line: 1, column: 11 }]);
    expect(documents.validate(entry, withEmail)).toEqual([]);
  });

  it('stops validating after ten errors, and codes every error GRAPHQL_VALIDATION_FAILED', () => {
    const documents = new DocumentCache({ maxTokens: 10_000 });
    const unknown = Array.from({ length: 1500 }, (_, i) => `f${i}`).join(' ');
    const errors = documents.validate(documents.get(`{ users { ${unknown} } }`), servedSchema(SDL));
    // Ten errors, and graphql-js's own note that it stopped there.
    expect(errors).toHaveLength(11);
    expect(errors.slice(0, 10).every((error) => /^Cannot query field "f\d+" on type "User"\.$/.test(error.message))).toBe(true);
    expect(errors[10].message).toBe('Too many validation errors, error limit reached. Validation aborted.');
    expect(errors.every((error) => error.extensions.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
  });

  it('refuses a text of more tokens than the cap unparsed, saying so with the limit', () => {
    const documents = new DocumentCache({ maxTokens: 10 });
    const entry = documents.get('{ users { uid name email } user(uid: "u1") { uid } }');
    expect(parse).not.toHaveBeenCalled();
    expect(entry.document).toBeUndefined();
    expect(entry.tokens).toBe(11);
    expect(entry.syntaxError?.message).toBe('Operation exceeds maxTokens: more than 10 tokens, so it is not parsed');
    expect(entry.syntaxError?.extensions).toEqual({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxTokens', value: 11, maximum: 10 });
    // Exactly at the cap it is parsed.
    expect(documents.get('{ users { uid name email } }').document).toBeDefined();
    expect(() => documents.validate(entry, servedSchema(SDL))).toThrow('validate() needs a parsed document');
  });

  it('keeps a syntax error as data, with its location and GRAPHQL_PARSE_FAILED, and does not parse the text again', () => {
    const documents = new DocumentCache({ maxTokens: 1000 });
    const entry = documents.get('{ users { uid }');
    expect(entry.document).toBeUndefined();
    expect(entry.syntaxError?.message).toBe('Syntax Error: Expected Name, found <EOF>.');
    expect(entry.syntaxError?.locations).toEqual([{ line: 1, column: 16 }]);
    expect(entry.syntaxError?.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
    expect(documents.get('{ users { uid }')).toBe(entry);
    expect(parse).toHaveBeenCalledTimes(1);
  });
});

describe('counting tokens', () => {
  it('counts lexical tokens and stops early', () => {
    expect(countTokens('{ a b c }', 100)).toBe(5);
    expect(countTokens('{ a b c }', 2)).toBe(3);
    expect(countTokens('query Q($n: Int = 3) { a(n: $n) @skip(if: false) }', 100)).toBe(26);
  });

  it('leaves a lexing error to the parser, counting the tokens before it', () => {
    expect(countTokens('{ a "unterminated }', 100)).toBe(2);
  });
});
