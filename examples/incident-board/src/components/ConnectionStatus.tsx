import type { ConnectionState } from '../live-connection';
import { ago } from '../format';

const LABEL: Record<ConnectionState['phase'], string> = { connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', closed: 'Disconnected' };

/** The live connection: a green dot while events flow, amber while (re)connecting, red when closed, with why. */
export function ConnectionStatus({ state, lastEventAt, now }: { state: ConnectionState; lastEventAt: string | undefined; now: number }) {
  const reason = 'reason' in state && state.reason ? state.reason : undefined;
  return (
    <div className={`connection ${state.phase}`} data-phase={state.phase} title={reason}>
      <span className="dot" aria-hidden="true" />
      <span className="label">{LABEL[state.phase]}</span>
      {state.phase === 'live' && lastEventAt && <span className="muted">last change {ago(lastEventAt, now)}</span>}
      {state.phase !== 'live' && reason && <span className="muted">{reason}</span>}
    </div>
  );
}
