import { ApolloClient, HttpLink, InMemoryCache, split, type Operation } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { getMainDefinition } from '@apollo/client/utilities';
import { getOperationAST } from 'graphql';
import type { LiveConnection } from './live-connection';
import { persistedIdOf } from './persisted';
import { PersistedWebSocketLink } from './persisted-websocket-link';

/**
 * Apollo Client for the board: queries over HTTP and subscriptions over the live connection, every operation by its
 * persisted id and never by its text. An id the gateway does not list is an error to show, not a reason to send the
 * document (`retry` and `disable` keep Apollo from falling back to it).
 */
export function createBoardClient(gatewayUrl: string, token: string, live: LiveConnection) {
  const byId = createPersistedQueryLink({
    generateHash: (document) => persistedIdOf(getOperationAST(document)?.name?.value),
    retry: () => false,
    disable: () => false,
  });
  const http = byId.concat(new HttpLink({ uri: gatewayUrl, headers: { authorization: `Bearer ${token}` } }));
  const isSubscription = (operation: Operation) => {
    const definition = getMainDefinition(operation.query);
    return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
  };
  return new ApolloClient({
    link: split(isSubscription, new PersistedWebSocketLink(live.client), http),
    // The board keeps its own state (board.ts), so nothing is cached: the gateway answers the manifest's documents,
    // which select __typename only where they need it, and a cache would want it everywhere.
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: 'no-cache', errorPolicy: 'all' } },
  });
}
