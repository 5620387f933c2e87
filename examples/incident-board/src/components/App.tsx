import { countBySeverity, triageOrder } from '../board';
import type { LiveConnection } from '../live-connection';
import type { Session } from '../session';
import { useBoard } from '../use-board';
import { useNow } from '../use-now';
import { ActivityFeed } from './ActivityFeed';
import { ConnectionStatus } from './ConnectionStatus';
import { IncidentTable } from './IncidentTable';
import { SeveritySummary } from './SeveritySummary';

export function App({ session, live }: { session: Session; live: LiveConnection }) {
  const { board, loaded, loadError, hiddenBy, liveError, connection } = useBoard(live);
  const now = useNow(1000);
  const incidents = triageOrder(Object.values(board.incidents));
  return (
    <div className="app">
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          Palisade <span className="muted">Incident board</span>
        </div>
        <SeveritySummary counts={countBySeverity(incidents)} />
        <div className="who" title={session.expiresAt ? `token valid until ${new Date(session.expiresAt * 1000).toLocaleString()}` : undefined}>
          {session.subject} <span className="tenant">{session.tenant}</span>
        </div>
        <ConnectionStatus state={connection} lastEventAt={board.activity[0]?.at} now={now} />
      </header>
      {loadError && <div className="banner">The board could not be loaded fully: {loadError}</div>}
      {liveError && <div className="banner">Live updates stopped: {liveError}</div>}
      {hiddenBy.length > 0 && <div className="banner notice">Some details are hidden: they need the scope {hiddenBy.join(', ')}, which this token lacks.</div>}
      <main data-loaded={loaded}>
        <IncidentTable incidents={incidents} loaded={loaded} now={now} />
        <ActivityFeed entries={board.activity} />
      </main>
    </div>
  );
}
