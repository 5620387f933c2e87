import { ApolloProvider } from '@apollo/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBoardClient } from './apollo';
import { App } from './components/App';
import { NoSession } from './components/NoSession';
import { openLiveConnection } from './live-connection';
import { openSession } from './session';
import './styles.css';

const GATEWAY_URL = import.meta.env.VITE_GATEWAY_URL || 'http://127.0.0.1:4000/graphql';

async function start(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  const session = await openSession(GATEWAY_URL);
  if ('problem' in session) {
    root.render(<NoSession problem={session.problem} />);
    return;
  }
  const live = openLiveConnection(GATEWAY_URL, session.token);
  root.render(
    <StrictMode>
      <ApolloProvider client={createBoardClient(GATEWAY_URL, session.token, live)}>
        <App session={session} live={live} />
      </ApolloProvider>
    </StrictMode>,
  );
}

void start();
