import type { Severity } from '../../../../schema/generated/graphql';
import { SEVERITY_LABEL } from '../format';

const SHOWN: readonly Severity[] = ['FATAL', 'CRITICAL', 'HIGH'];

/** How many incidents on the board have each severity the board covers. */
export function SeveritySummary({ counts }: { counts: Partial<Record<Severity, number>> }) {
  return (
    <div className="summary">
      {SHOWN.map((severity) => (
        <span key={severity} className={`count severity-${severity}`} data-severity={severity}>
          <strong>{counts[severity] ?? 0}</strong> {SEVERITY_LABEL[severity]}
        </span>
      ))}
    </div>
  );
}
