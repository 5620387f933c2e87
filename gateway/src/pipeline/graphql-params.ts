import { badRequest } from './errors';
import type { GraphQLParams } from './request';

/** The parameters a GraphQL request may carry, in the query string of a GET or the JSON body of a POST. */
const PARAMETER_NAMES = ['query', 'operationName', 'variables', 'extensions', 'documentId', 'doc_id'] as const;

/**
 * A GET's operation, from its query string and nowhere else (GraphQL over HTTP; Apollo's APQ over GET).
 * `variables` and `extensions` are JSON text.
 */
export function paramsFromSearch(search: URLSearchParams): GraphQLParams {
  const json = (name: 'variables' | 'extensions') => {
    const value = search.get(name);
    if (value === null) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw badRequest(`The ${name} parameter is not valid JSON`);
    }
  };
  return checkedParams({
    query: search.get('query') ?? undefined,
    operationName: search.get('operationName') ?? undefined,
    variables: json('variables'),
    extensions: json('extensions'),
    documentId: search.get('documentId') ?? undefined,
    doc_id: search.get('doc_id') ?? undefined,
  });
}

/** A POST's operation (an object) or operations (an array: batching), from its JSON body and nowhere else. */
export function paramsFromBody(body: unknown): GraphQLParams | GraphQLParams[] {
  if (Array.isArray(body)) {
    if (body.length === 0) throw badRequest('The batch is empty: send at least one operation');
    return body.map((item, index) => checkedParams(item, `operation ${index} of the batch`));
  }
  return checkedParams(body);
}

/** Whether a query string carries any GraphQL parameter (a POST must carry its operation in its body only). */
export function searchCarriesParams(search: URLSearchParams): boolean {
  return PARAMETER_NAMES.some((name) => search.has(name));
}

/** The params with the types GraphQL over HTTP gives them; anything else is the client's mistake, named. */
function checkedParams(value: unknown, what = 'the request'): GraphQLParams {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${capitalized(what)} must be a JSON object with a query or a persisted operation id`);
  const raw = value as Record<string, unknown>;
  const params: GraphQLParams = {};
  const text = (name: 'query' | 'operationName' | 'documentId' | 'doc_id') => {
    const field = raw[name];
    if (field === undefined || field === null) return;
    if (typeof field !== 'string') throw badRequest(`${name} in ${what} must be a string`);
    params[name] = field;
  };
  const object = (name: 'variables' | 'extensions') => {
    const field = raw[name];
    if (field === undefined || field === null) return;
    if (typeof field !== 'object' || Array.isArray(field)) throw badRequest(`${name} in ${what} must be a JSON object`);
    params[name] = field as Record<string, unknown>;
  };
  text('query');
  text('operationName');
  text('documentId');
  text('doc_id');
  object('variables');
  object('extensions');
  return params;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
