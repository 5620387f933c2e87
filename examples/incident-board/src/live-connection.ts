import { createClient, type Client } from 'graphql-ws';

export type ConnectionState =
  | { phase: 'connecting' }
  | { phase: 'live' }
  | { phase: 'reconnecting'; reason: string }
  | { phase: 'closed'; reason: string };

/** The board's WebSocket to the gateway (graphql-transport-ws), and what the page shows of it. */
export interface LiveConnection {
  readonly client: Client;
  state(): ConnectionState;
  /** How many times it connected: 1 after the first connection, one more after each reconnection. */
  connections(): number;
  /** Calls `listener` on every change of state; returns the function that stops it. */
  onChange(listener: () => void): () => void;
}

/** Waits between attempts grow from 1 s to this, with jitter, so that a restarted gateway is not stampeded. */
const MAX_RETRY_WAIT_MS = 15_000;

/**
 * A graphql-ws client that keeps reconnecting for as long as the page is open (a board stays up all shift), with the
 * token in connection_init. The gateway closes with 4401 when the token is refused or has expired; graphql-ws does
 * not retry that, and the state says why.
 */
export function openLiveConnection(gatewayUrl: string, token: string): LiveConnection {
  let state: ConnectionState = { phase: 'connecting' };
  let connections = 0;
  const listeners = new Set<() => void>();
  const set = (next: ConnectionState) => {
    state = next;
    for (const listener of listeners) listener();
  };
  let lastCloseReason = '';
  const client = createClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: Infinity,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, MAX_RETRY_WAIT_MS) * (0.5 + Math.random() / 2))),
    on: {
      connecting: (isRetry) => set(isRetry ? { phase: 'reconnecting', reason: lastCloseReason } : { phase: 'connecting' }),
      connected: () => {
        connections += 1;
        set({ phase: 'live' });
      },
      closed: (event) => {
        lastCloseReason = closeReason(event);
        set({ phase: 'closed', reason: lastCloseReason });
      },
    },
  });
  return {
    client,
    state: () => state,
    connections: () => connections,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function closeReason(event: unknown): string {
  const { code, reason } = (event ?? {}) as { code?: number; reason?: string };
  if (code === undefined) return 'the connection was lost';
  return reason ? `${reason} (${code})` : `closed with code ${code}`;
}
