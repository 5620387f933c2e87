import { ApolloError, ApolloLink, Observable, type FetchResult, type Operation } from '@apollo/client';
import type { Client } from 'graphql-ws';
import type { GraphQLFormattedError } from 'graphql';
import { persistedIdOf } from './persisted';

/**
 * Sends operations over graphql-ws by persisted id, as Apollo's persisted query extension names it, with an empty
 * query: graphql-ws requires the field to be a string, and the gateway resolves the id from its manifest (as for
 * HTTP). Apollo's own GraphQLWsLink always sends the document's text.
 */
export class PersistedWebSocketLink extends ApolloLink {
  constructor(private readonly client: Client) {
    super();
  }

  override request(operation: Operation): Observable<FetchResult> {
    const payload = {
      query: '',
      operationName: operation.operationName,
      variables: operation.variables,
      extensions: { ...operation.extensions, persistedQuery: { version: 1, sha256Hash: persistedIdOf(operation.operationName) } },
    };
    return new Observable<FetchResult>((observer) =>
      this.client.subscribe<FetchResult['data']>(payload, {
        next: (result) => observer.next(result as FetchResult),
        complete: () => observer.complete(),
        // graphql-ws reports a refused operation as its GraphQL errors, a lost connection as a close event.
        error: (error) => observer.error(Array.isArray(error) ? new ApolloError({ graphQLErrors: error as GraphQLFormattedError[] }) : error instanceof Error ? error : new Error('the live connection closed')),
      }),
    );
  }
}
