import type { ActivityEntry } from '../board';
import { changeLabel, clockTime, dateTime } from '../format';

/** The changes the board received, the latest first. */
export function ActivityFeed({ entries }: { entries: readonly ActivityEntry[] }) {
  return (
    <aside className="activity">
      <h2>Live activity</h2>
      {entries.length === 0 ? (
        <p className="muted">Changes to the board's incidents appear here as they happen.</p>
      ) : (
        <ol>
          {entries.map((entry) => (
            <li key={entry.id} data-uid={entry.uid}>
              <time dateTime={entry.at} title={dateTime(entry.at)}>
                {clockTime(entry.at)}
              </time>
              <span className={`marker severity-${entry.severity}`} aria-hidden="true" />
              <div>
                <div className="what">{changeLabel(entry.kind, entry.status, entry.severity)}</div>
                <div className="muted">
                  {entry.title} · {entry.uid}
                </div>
              </div>
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}
