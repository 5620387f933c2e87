import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured JSON logs on stdout. Fields that may carry credentials are redacted wherever they appear,
 * so that a log line never contains a token or a signed header.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'token', '*.token'],
      censor: '[redacted]',
    },
  });
}
