import { useApolloClient, useSubscription } from '@apollo/client';
import type { GraphQLFormattedError } from 'graphql';
import { useEffect, useReducer, useState, useSyncExternalStore } from 'react';
import { boardReducer, EMPTY_BOARD } from './board';
import type { LiveConnection } from './live-connection';
import { IncidentBoard, IncidentChanges } from './persisted';

/**
 * The board's data: the IncidentBoard query, loaded when the page opens and again after each reconnection (the
 * events of the time offline are not replayed over WebSocket), and the IncidentChanges events applied as they come.
 * The subscription asks for every change of the tenant: one that lowers an incident below HIGH must reach the board
 * too, and board.ts decides what it shows.
 */
export function useBoard(live: LiveConnection) {
  const client = useApolloClient();
  const [board, dispatch] = useReducer(boardReducer, EMPTY_BOARD);
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<string>();
  const [hiddenBy, setHiddenBy] = useState<string[]>([]);
  const connection = useSyncExternalStore(live.onChange, live.state);
  const connections = useSyncExternalStore(live.onChange, live.connections);

  const { error: liveError } = useSubscription(IncidentChanges, {
    fetchPolicy: 'no-cache',
    // An event with a field the token may not read still changes the board.
    errorPolicy: 'all',
    onData: ({ data }) => {
      if (data.data) dispatch({ type: 'changed', change: data.data.incidentChanged });
    },
  });

  // The first load runs at once; a later one when the connection comes back.
  const reloads = Math.max(connections - 1, 0);
  useEffect(() => {
    let current = true;
    dispatch({ type: 'loading' });
    client.query({ query: IncidentBoard }).then(
      ({ data, errors = [] }) => {
        if (!current) return;
        if (data) dispatch({ type: 'loaded', data });
        const unauthorized = errors.filter(isUnauthorizedField);
        const others = errors.filter((error) => !isUnauthorizedField(error));
        setLoaded(true);
        setHiddenBy([...new Set(unauthorized.flatMap(requiredScopes))]);
        setLoadError(others.length > 0 ? [...new Set(others.map((error) => error.message))].join('; ') : undefined);
      },
      (error: Error) => {
        if (current) setLoadError(error.message);
      },
    );
    return () => {
      current = false;
    };
  }, [client, reloads]);

  return { board, loaded, loadError, hiddenBy, liveError: liveError?.message, connection };
}

/** A field the token has no scope for comes back null with this error: expected, and shown as such. */
function isUnauthorizedField(error: GraphQLFormattedError): boolean {
  return error.extensions?.code === 'UNAUTHORIZED_FIELD_OR_TYPE';
}

/** The scopes that would have let the token read the field: the first alternative's. */
function requiredScopes(error: GraphQLFormattedError): string[] {
  const alternatives = error.extensions?.requiredScopes;
  return Array.isArray(alternatives) && Array.isArray(alternatives[0]) ? alternatives[0].map(String) : [];
}
