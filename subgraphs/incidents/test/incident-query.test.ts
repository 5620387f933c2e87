import { GraphQLError } from 'graphql';
import { encodeCursor } from '../../../subgraph-kit/connection';
import { readIncidentListQuery, type IncidentListArgs } from '../src/data/incident-query';
import { parseIsoInstant } from '../src/iso-instant';

function argumentRejected(args: Partial<IncidentListArgs>): string {
  try {
    readIncidentListQuery({ first: 20, ...args });
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT') return String(error.extensions.argumentName);
    throw error;
  }
  throw new Error('expected BAD_USER_INPUT');
}

describe('readIncidentListQuery', () => {
  it('reads a cursor back into the sort key it came from', () => {
    const query = readIncidentListQuery({ first: 5, after: encodeCursor(['2026-04-01T10:00:00.000Z', 'inc-acme-00007']) });
    expect(query).toMatchObject({ first: 5, after: { createdAt: new Date('2026-04-01T10:00:00.000Z'), uid: 'inc-acme-00007' } });
  });

  it.each<[string, Partial<IncidentListArgs>, string]>([
    ['first above 100', { first: 101 }, 'first'],
    ['negative first', { first: -1 }, 'first'],
    ['a cursor that is not ours', { after: 'not-a-cursor' }, 'after'],
    ['a cursor with a date that is not one', { after: encodeCursor(['yesterday', 'inc-1']) }, 'after'],
    ['a cursor of the wrong width', { after: encodeCursor(['2026-04-01T10:00:00.000Z']) }, 'after'],
    ['severityAtLeast OTHER', { filter: { severityAtLeast: 'OTHER' } }, 'filter.severityAtLeast'],
    ['an empty status list', { filter: { status: [] } }, 'filter.status'],
    ['a createdAfter that is not ISO 8601', { filter: { createdAfter: '01/02/2026' } }, 'filter.createdAfter'],
    ['a createdBefore without a time zone', { filter: { createdBefore: '2026-03-01T12:00:00' } }, 'filter.createdBefore'],
    ['an impossible date', { filter: { createdAfter: '2026-02-30T00:00:00Z' } }, 'filter.createdAfter'],
    ['a range that ends before it starts', { filter: { createdAfter: '2026-03-02T00:00:00Z', createdBefore: '2026-03-01T00:00:00Z' } }, 'filter.createdBefore'],
  ])('refuses %s with BAD_USER_INPUT naming the argument', (_, args, argument) => {
    expect(argumentRejected(args)).toBe(argument);
  });
});

describe('parseIsoInstant', () => {
  it.each(['2026-03-01T12:00:00.000Z', '2026-03-01T12:00Z', '2026-03-01T13:00:00+01:00', '2024-02-29T00:00:00Z'])('reads %s', (value) => {
    expect(parseIsoInstant(value)).toBeInstanceOf(Date);
  });

  it('keeps the instant an offset names', () => {
    expect(parseIsoInstant('2026-03-01T13:00:00+01:00')?.toISOString()).toBe('2026-03-01T12:00:00.000Z');
  });

  it.each(['2026-03-01', '2026-03-01 12:00:00Z', '2025-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-03-01T24:00:00Z', 'now', ''])('refuses %s', (value) => {
    expect(parseIsoInstant(value)).toBeUndefined();
  });
});
