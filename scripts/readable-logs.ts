/**
 * How `npm start` shows its services' output in a terminal: one readable line per event (time, service, level,
 * message, and the fields that say what happened) instead of JSON; the audit trail summarised, one line per
 * operation. Outside a terminal, or in production, the JSON lines pass through as the services wrote them.
 */

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_NUMBERS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
/** Fields every pino line has, shown in the line's own columns or not at all. */
const FRAME_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'service', 'msg']);

const COLORS = { dim: '\u001b[2m', red: '\u001b[31m', yellow: '\u001b[33m', cyan: '\u001b[36m', reset: '\u001b[0m' };

export interface ReadableLogOptions {
  /** Colours for a terminal that shows them. */
  color: boolean;
  /** LOG_LEVEL: audit summaries show at info and below, like the services' own info lines. */
  logLevel: string;
}

/** One line of a service's output as a person reads it; null to leave it out (an audit line at LOG_LEVEL=warn). */
export function readableLine(service: string, line: string, options: ReadableLogOptions): string | null {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${prefix(service, undefined, options)} ${line}`;
  }
  if (typeof event !== 'object' || event === null) return `${prefix(service, undefined, options)} ${line}`;
  if ('outcome' in event && 'requestId' in event && !('msg' in event)) {
    if ((LEVEL_NUMBERS[options.logLevel] ?? 30) > 30) return null;
    return `${prefix(service, 'AUDIT', options)} ${auditSummary(event)}`;
  }
  const level = LEVELS[Number(event.level)] ?? 'INFO';
  const message = typeof event.msg === 'string' ? event.msg : '';
  const fields = Object.entries(event)
    .filter(([key]) => !FRAME_FIELDS.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const time = typeof event.time === 'string' ? event.time.slice(11, 19) : undefined;
  return `${prefix(service, level, options, time)} ${message}${fields.length > 0 ? `  ${dim(fields.join(' '), options)}` : ''}`;
}

/** "user usr-acme-00001@acme IncidentBoard: success in 12 ms", with the codes of what went wrong. */
function auditSummary(record: Record<string, unknown>): string {
  const who = record.sub ? `${record.kind} ${record.sub}@${record.tenant}` : 'unauthenticated caller';
  const what = record.operationName ?? (record.operationId ? `operation ${String(record.operationId).slice(0, 12)}` : 'request');
  const codes = Array.isArray(record.errorCodes) && record.errorCodes.length > 0 ? ` (${record.errorCodes.join(', ')})` : '';
  const denied = Array.isArray(record.deniedFields) && record.deniedFields.length > 0 ? `; denied ${record.deniedFields.join(', ')}` : '';
  return `${who} ${what}: ${record.outcome}${codes} in ${record.durationMs} ms${denied}`;
}

function prefix(service: string, level: string | undefined, options: ReadableLogOptions, time = new Date().toISOString().slice(11, 19)): string {
  const label = `${dim(time, options)} ${service.padEnd(9)}`;
  if (!level) return label;
  const color = level === 'ERROR' || level === 'FATAL' ? COLORS.red : level === 'WARN' ? COLORS.yellow : level === 'AUDIT' ? COLORS.cyan : '';
  return `${label} ${options.color && color ? `${color}${level.padEnd(5)}${COLORS.reset}` : level.padEnd(5)}`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (value && typeof value === 'object' && 'message' in value && 'type' in value) return JSON.stringify((value as { message: unknown }).message);
  return JSON.stringify(value);
}

function dim(text: string, options: ReadableLogOptions): string {
  return options.color ? `${COLORS.dim}${text}${COLORS.reset}` : text;
}
