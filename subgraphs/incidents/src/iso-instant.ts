import { badUserInput } from '../../../lib/errors';

/** A calendar date and a time, seconds and fractions optional, and a zone (Z or an offset) required. */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads an ISO 8601 instant, or undefined for anything else. Date.parse alone would accept other formats
 * and roll impossible dates over (February 30th to March 2nd), so the shape is checked first and the
 * calendar fields after.
 */
export function parseIsoInstant(value: string): Date | undefined {
  const match = ISO_INSTANT.exec(value);
  if (!match) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return undefined;
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number);
  const second = Number(match[6] ?? 0);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  return date;
}

/** A DateTime argument as a Date; anything else is BAD_USER_INPUT naming the argument. */
export function readInstantArgument(argument: string, value: string): Date {
  const date = parseIsoInstant(value);
  if (!date) {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
    throw badUserInput(argument, `Expected an ISO 8601 instant with a time zone, such as 2026-03-01T12:00:00.000Z; got ${JSON.stringify(shown)}`);
  }
  return date;
}
