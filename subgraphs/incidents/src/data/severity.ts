/** OCSF severity, as the GraphQL enum names it. */
export type Severity = 'UNKNOWN' | 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' | 'FATAL' | 'OTHER';

/** OCSF severity_id for each severity; stored beside the name so "at least HIGH" is a range query. */
export const SEVERITY_ID: Record<Severity, number> = {
  UNKNOWN: 0,
  INFORMATIONAL: 1,
  LOW: 2,
  MEDIUM: 3,
  HIGH: 4,
  CRITICAL: 5,
  FATAL: 6,
  OTHER: 99,
};

/** Ids from `severity` up to FATAL. OTHER (99) is not a degree of severity, so it never satisfies "at least". */
export function severityIdsAtLeast(severity: Severity): { $gte: number; $lte: number } {
  return { $gte: SEVERITY_ID[severity], $lte: SEVERITY_ID.FATAL };
}
