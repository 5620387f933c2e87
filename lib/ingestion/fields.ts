import { isIP } from 'node:net';
import { EventRejected, RejectionCode } from './rejection';

/** Text Palisade stores is bounded; longer values are refused rather than cut. */
export const MAX_TEXT_LENGTH = 1024;
/** Identifiers (uids) are shorter. */
export const MAX_UID_LENGTH = 256;

/** Inclusive bounds of a number. */
interface Range {
  min: number;
  max: number;
}

/** An OCSF enum: each id Palisade accepts, with its caption (for messages). */
export type OcsfEnum = Readonly<Record<number, string>>;

interface TextOptions {
  /** What the value is, for the message when it is missing or wrong: "the device's unique id". */
  what: string;
  max?: number;
}

/**
 * Reads one JSON object of an event, field by field, each at its path from the event's root
 * (`vulnerabilities[2].cve.uid`). A field that is missing when required, or of the wrong type, format or enum
 * value, throws EventRejected naming the path and what it must be; an optional field that is absent (or null)
 * reads as undefined. Every string read is bounded and free of NUL characters, which PostgreSQL cannot store.
 */
export class Fields {
  private constructor(
    private readonly value: Record<string, unknown>,
    readonly path: string,
  ) {}

  /** The event itself: a JSON object, or the line is malformed. */
  static root(value: unknown): Fields {
    if (!isObject(value)) throw new EventRejected(RejectionCode.MALFORMED_JSON, 'the line is not a JSON object: each line holds one OCSF event');
    return new Fields(value, '');
  }

  has(key: string): boolean {
    return this.raw(key) !== undefined;
  }

  object(key: string, what: string): Fields;
  object(key: string, what: string, optional: 'optional'): Fields | undefined;
  object(key: string, what: string, optional?: 'optional'): Fields | undefined {
    const value = this.raw(key);
    if (value === undefined) return this.absent(key, what, optional);
    if (!isObject(value)) throw invalid(this.at(key), `an object (${what})`);
    return new Fields(value, this.at(key));
  }

  /** An array of objects, at most `max` of them; an absent optional array reads as []. */
  objects(key: string, what: string, max: number, optional?: 'optional'): Fields[] {
    const value = this.raw(key);
    if (value === undefined) return this.absent(key, `a list of ${what}`, optional) ?? [];
    if (!Array.isArray(value)) throw invalid(this.at(key), `an array (${what})`);
    if (value.length > max) throw invalid(this.at(key), `an array of at most ${max} items, got ${value.length}`);
    return value.map((item, index) => {
      const path = `${this.at(key)}[${index}]`;
      if (!isObject(item)) throw invalid(path, `an object (${what})`);
      return new Fields(item, path);
    });
  }

  string(key: string, options: TextOptions): string;
  string(key: string, options: TextOptions, optional: 'optional'): string | undefined;
  string(key: string, options: TextOptions, optional?: 'optional'): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return this.absent(key, options.what, optional);
    return text(value, this.at(key), options);
  }

  /** An array of strings (OCSF string_t arrays such as privileges or types); absent reads as []. */
  strings(key: string, options: TextOptions & { maxItems: number }): string[] {
    const value = this.raw(key);
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw invalid(this.at(key), `an array of strings (${options.what})`);
    if (value.length > options.maxItems) throw invalid(this.at(key), `an array of at most ${options.maxItems} strings, got ${value.length}`);
    return value.map((item, index) => text(item, `${this.at(key)}[${index}]`, options));
  }

  uid(key: string, what: string): string;
  uid(key: string, what: string, optional: 'optional'): string | undefined;
  uid(key: string, what: string, optional?: 'optional'): string | undefined {
    return optional ? this.string(key, { what, max: MAX_UID_LENGTH }, optional) : this.string(key, { what, max: MAX_UID_LENGTH });
  }

  boolean(key: string, what: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw invalid(this.at(key), `true or false (${what})`);
    return value;
  }

  /** A number within [min, max]. */
  number(key: string, what: string, range: Range): number | undefined {
    return this.ranged(key, what, range, Number.isFinite, 'a number');
  }

  /** An integer id where any value is accepted and the consumer maps the ids it does not know to Other. */
  integer(key: string, what: string, range: Range): number | undefined {
    return this.ranged(key, what, range, Number.isInteger, 'an integer');
  }

  /** A number within [min, max], given as a number or as a numeric string (OCSF types some scores string_t). */
  numeric(key: string, what: string, range: Range): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const number = typeof value === 'string' && value.trim() !== '' && value.length <= 32 ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isFinite(number) || number < range.min || number > range.max) {
      throw invalid(this.at(key), `a number from ${range.min} to ${range.max}, or a string holding one (${what})`);
    }
    return number;
  }

  /** An OCSF enum id (integer_t) that Palisade knows. */
  enumId(key: string, what: string, values: OcsfEnum): number;
  enumId(key: string, what: string, values: OcsfEnum, optional: 'optional'): number | undefined;
  enumId(key: string, what: string, values: OcsfEnum, optional?: 'optional'): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return this.absent(key, `${what}, one of ${describeEnum(values)}`, optional);
    if (typeof value !== 'number' || !Number.isInteger(value) || !(value in values)) {
      throw invalid(this.at(key), `one of ${describeEnum(values)} (${what}), got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** OCSF timestamp_t: milliseconds since the epoch, as an integer. */
  timestamp(key: string, what: string): number;
  timestamp(key: string, what: string, optional: 'optional'): number | undefined;
  timestamp(key: string, what: string, optional?: 'optional'): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return this.absent(key, `${what}, in milliseconds since the epoch`, optional);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw invalid(this.at(key), `an integer number of milliseconds since the epoch (${what}; OCSF timestamp_t)`);
    }
    if (value < SECONDS_LOOK_LIKE) {
      throw invalid(this.at(key), `milliseconds since the epoch (OCSF timestamp_t); ${value} looks like seconds, so multiply it by 1000`);
    }
    return value;
  }

  /** An IP address (OCSF ip_t), v4 or v6. */
  ip(key: string, what: string): string | undefined {
    const value = this.string(key, { what, max: 64 }, 'optional');
    if (value !== undefined && isIP(value) === 0) throw invalid(this.at(key), `an IPv4 or IPv6 address (${what})`);
    return value;
  }

  /** The path of a field of this object, for messages of checks made outside this class. */
  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  private ranged(key: string, what: string, range: Range, accepts: (value: number) => boolean, kind: string): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !accepts(value) || value < range.min || value > range.max) {
      throw invalid(this.at(key), `${kind} from ${range.min} to ${range.max} (${what})`);
    }
    return value;
  }

  /** null counts as absent, as producers write it for "unknown". */
  private raw(key: string): unknown {
    const value = Object.hasOwn(this.value, key) ? this.value[key] : undefined;
    return value === null ? undefined : value;
  }

  private absent(key: string, what: string, optional: 'optional' | undefined): undefined {
    if (optional) return undefined;
    throw new EventRejected(RejectionCode.MISSING_FIELD, `${this.at(key)} is required: ${what}`);
  }
}

/** Below this a timestamp_t is 1973 in milliseconds but 5138 in seconds: producers that send seconds land here. */
const SECONDS_LOOK_LIKE = 100_000_000_000;

export function invalid(path: string, expected: string): EventRejected {
  return new EventRejected(RejectionCode.INVALID_FIELD, `${path} must be ${expected}`);
}

function text(value: unknown, path: string, options: TextOptions): string {
  const max = options.max ?? MAX_TEXT_LENGTH;
  if (typeof value !== 'string') throw invalid(path, `a string (${options.what})`);
  if (value.trim() === '') throw invalid(path, `a non-empty string (${options.what})`);
  if (value.length > max) throw invalid(path, `at most ${max} characters long (${options.what}), got ${value.length}`);
  if (value.includes('\u0000')) throw invalid(path, `free of NUL characters (${options.what})`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeEnum(values: OcsfEnum): string {
  return Object.entries(values)
    .map(([id, caption]) => `${id} (${caption})`)
    .join(', ');
}
