import { isOnBoard, lastActive, type BoardIncident } from '../board';
import { ago, dateTime, SEVERITY_LABEL, STATUS_LABEL } from '../format';

/**
 * One row per incident, in triage order. A row is keyed by its last change too, so that a change mounts it again and
 * its highlight plays; one that has left the board (resolved, put on hold, lowered below HIGH) is dimmed.
 */
export function IncidentTable({ incidents, loaded, now }: { incidents: readonly BoardIncident[]; loaded: boolean; now: number }) {
  if (incidents.length === 0) return <p className="empty">{loaded ? 'No open incidents of high severity or above.' : 'Loading the board…'}</p>;
  return (
    <table className="incidents">
      <thead>
        <tr>
          <th>Severity</th>
          <th>Incident</th>
          <th>Status</th>
          <th>Assignee</th>
          <th>Affected assets</th>
          <th>Last update</th>
        </tr>
      </thead>
      <tbody>
        {incidents.map((incident) => (
          <IncidentRow key={`${incident.uid}:${incident.lastChange?.sequence ?? 0}`} incident={incident} now={now} />
        ))}
      </tbody>
    </table>
  );
}

function IncidentRow({ incident, now }: { incident: BoardIncident; now: number }) {
  const at = lastActive(incident);
  const classes = [incident.lastChange ? 'changed' : '', isOnBoard(incident) ? '' : 'off-board'].filter(Boolean).join(' ');
  return (
    <tr data-uid={incident.uid} className={classes}>
      <td>
        <span className={`severity severity-${incident.severity}`}>{SEVERITY_LABEL[incident.severity]}</span>
      </td>
      <td className="incident">
        <div className="title">{incident.title}</div>
        <div className="uid">{incident.uid}</div>
      </td>
      <td>
        <span className={`status status-${incident.status}`} data-status={incident.status}>
          {STATUS_LABEL[incident.status]}
        </span>
      </td>
      <td>
        {incident.assignee ? (
          <>
            <div>{incident.assignee.name}</div>
            {incident.assignee.group && <div className="muted">{incident.assignee.group}</div>}
          </>
        ) : (
          <span className="unassigned">Unassigned</span>
        )}
      </td>
      <td className="assets" title={incident.assets.join(', ')}>
        {incident.assets.length === 0 && <span className="muted">—</span>}
        {incident.assets.slice(0, 2).join(', ')}
        {incident.assets.length > 2 && <span className="muted"> +{incident.assets.length - 2}</span>}
      </td>
      <td className="when" title={at && dateTime(at)}>
        {at && (
          <>
            <div>{ago(at, now)}</div>
            <div className="muted">{incident.lastChange ? 'updated' : 'opened'}</div>
          </>
        )}
      </td>
    </tr>
  );
}
