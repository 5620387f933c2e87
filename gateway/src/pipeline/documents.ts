import { createHash } from 'node:crypto';
import { GraphQLError, Lexer, parse, Source, specifiedRules, TokenKind, validate, type DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { ServedSchema } from './served-schema';

/** One document text, parsed once and validated once per schema, with what behaviours derived from it. */
export interface DocumentEntry {
  readonly text: string;
  /** SHA-256 of the text (hex): plans, authorization decisions and shared executions are keyed by it. */
  readonly hash: string;
  /** Lexical tokens, counted exactly (the text was refused unparsed when there were more than the parser's cap). */
  readonly tokens: number;
  readonly document: DocumentNode | undefined;
  /** Why the text is not a document: a syntax error, or too many tokens to parse at all. */
  readonly syntaxError: GraphQLError | undefined;
  /**
   * Facts behaviours derive from the document alone (its measured shape), never decisions that depend on who
   * asks: a fact cached for one caller is true for every caller, so no caller inherits another's verdict.
   */
  readonly facts: Map<symbol, unknown>;
  /** Validation errors against one schema: kept for the schema last asked about. */
  validated?: { schema: ServedSchema; errors: readonly GraphQLError[] };
}

export interface DocumentCacheOptions {
  /** The parser is never run on more tokens than this, whoever asks: it protects the parser itself. */
  maxTokens: number;
  /** Distinct texts kept; least recently used first out. */
  maxEntries?: number;
  /** Validation stops after this many errors: a document with 1,500 unknown directives gets a short answer. */
  maxValidationErrors?: number;
  /** Called on every look-up, for metrics. */
  onLookup?: (result: 'hit' | 'miss') => void;
}

export const DEFAULT_MAX_VALIDATION_ERRORS = 10;

/**
 * Documents by text: each text is lexed, parsed and validated once, however many requests send it. Bounded
 * by count (texts are at most the largest maxBytes of any client kind).
 */
export class DocumentCache {
  private readonly entries: LRUCache<string, DocumentEntry>;

  constructor(private readonly options: DocumentCacheOptions) {
    this.entries = new LRUCache({ max: options.maxEntries ?? 2000 });
  }

  /** The entry for this text, parsed now when it was not seen before. Never throws: a syntax error is data. */
  get(text: string): DocumentEntry {
    const cached = this.entries.get(text);
    this.options.onLookup?.(cached ? 'hit' : 'miss');
    if (cached) return cached;
    const entry = this.parse(text);
    this.entries.set(text, entry);
    return entry;
  }

  /** Validation errors of the entry's document against `schema` (empty when it is valid), computed once per schema. */
  validate(entry: DocumentEntry, schema: ServedSchema): readonly GraphQLError[] {
    if (!entry.document) throw new Error('validate() needs a parsed document');
    if (entry.validated?.schema === schema) return entry.validated.errors;
    const errors = validate(schema.api, entry.document, specifiedRules, { maxErrors: this.options.maxValidationErrors ?? DEFAULT_MAX_VALIDATION_ERRORS }).map(
      (error) => new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }),
    );
    entry.validated = { schema, errors };
    return errors;
  }

  private parse(text: string): DocumentEntry {
    const base = { text, hash: sha256Hex(text), facts: new Map<symbol, unknown>() };
    const tokens = countTokens(text, this.options.maxTokens);
    if (tokens > this.options.maxTokens) {
      const error = new GraphQLError(`Operation exceeds maxTokens: more than ${this.options.maxTokens} tokens, so it is not parsed`, {
        extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxTokens', value: tokens, maximum: this.options.maxTokens },
      });
      return { ...base, tokens, document: undefined, syntaxError: error };
    }
    try {
      return { ...base, tokens, document: parse(text, { maxTokens: this.options.maxTokens }), syntaxError: undefined };
    } catch (error) {
      const cause = error instanceof GraphQLError ? error : new GraphQLError(String(error));
      const syntaxError = new GraphQLError(cause.message, { source: cause.source, positions: cause.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
      return { ...base, tokens, document: undefined, syntaxError };
    }
  }
}

/** Counts lexical tokens without building a syntax tree; stops counting once past `stopAfter`. */
export function countTokens(text: string, stopAfter: number): number {
  const lexer = new Lexer(new Source(text));
  let count = 0;
  // A lexing error is left to the parser, which reports it with a location.
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      count += 1;
      if (count > stopAfter) break;
    }
  } catch {
    return count;
  }
  return count;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
