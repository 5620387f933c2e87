import type { Document } from './store';

/** An object whose fields a filter reads: not an array, a date or a regular expression. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof RegExp);
}

/** A field's condition made of operators (`{ $in: [...] }`), as opposed to a value the field must equal. */
export function isOperatorCondition(condition: unknown): condition is Document {
  return isPlainObject(condition) && Object.keys(condition).some((key) => key.startsWith('$'));
}
