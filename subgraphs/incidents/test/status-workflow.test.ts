import { GraphQLError } from 'graphql';
import type { IncidentStatus } from '../src/data/incident-document';
import { planTransition } from '../src/data/status-workflow';

const NOW = new Date('2026-05-01T12:00:00.000Z');
const STATUSES: IncidentStatus[] = ['NEW', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED'];

/** The workflow the updateIncidentStatus mutation documents, written out pair by pair. */
const ALLOWED: Array<[IncidentStatus, IncidentStatus]> = [
  ['NEW', 'IN_PROGRESS'],
  ['NEW', 'ON_HOLD'],
  ['NEW', 'RESOLVED'],
  ['NEW', 'CLOSED'],
  ['IN_PROGRESS', 'ON_HOLD'],
  ['IN_PROGRESS', 'RESOLVED'],
  ['IN_PROGRESS', 'CLOSED'],
  ['ON_HOLD', 'IN_PROGRESS'],
  ['ON_HOLD', 'RESOLVED'],
  ['ON_HOLD', 'CLOSED'],
  ['RESOLVED', 'CLOSED'],
  ['RESOLVED', 'IN_PROGRESS'],
];
const isAllowed = (from: IncidentStatus, to: IncidentStatus) => ALLOWED.some(([f, t]) => f === from && t === to);
const pairs = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as [IncidentStatus, IncidentStatus]));

function rejection(run: () => unknown): GraphQLError {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('planTransition', () => {
  it.each(pairs.filter(([from, to]) => isAllowed(from, to)))('allows %s -> %s as a STATUS_CHANGED', (from, to) => {
    expect(planTransition(from, to, false, NOW).kind).toBe('STATUS_CHANGED');
  });

  it.each(pairs.filter(([from, to]) => !isAllowed(from, to) && from !== 'CLOSED'))(
    'refuses %s -> %s with BAD_USER_INPUT naming status and listing the allowed moves',
    (from, to) => {
      const error = rejection(() => planTransition(from, to, false, NOW));
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'status' });
      const allowed = ALLOWED.filter(([f]) => f === from).map(([, t]) => t);
      expect(error.message).toContain(`cannot move from ${from} to ${to}`);
      for (const target of allowed) expect(error.message).toContain(target);
    },
  );

  it('reopens CLOSED to IN_PROGRESS only with reopen: true, as a REOPENED entry that clears both timestamps', () => {
    expect(planTransition('CLOSED', 'IN_PROGRESS', true, NOW)).toEqual({ kind: 'REOPENED', set: { resolvedAt: null, closedAt: null } });
    const error = rejection(() => planTransition('CLOSED', 'IN_PROGRESS', false, NOW));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'reopen' });
  });

  it.each(STATUSES.filter((to) => to !== 'IN_PROGRESS'))('refuses CLOSED -> %s even with reopen: true', (to) => {
    const error = rejection(() => planTransition('CLOSED', to, true, NOW));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'status' });
    expect(error.message).toContain('IN_PROGRESS (with reopen: true)');
  });

  it('stamps resolvedAt on RESOLVED, closedAt on CLOSED, and clears both when work resumes after RESOLVED', () => {
    expect(planTransition('IN_PROGRESS', 'RESOLVED', false, NOW).set).toEqual({ resolvedAt: NOW });
    expect(planTransition('RESOLVED', 'CLOSED', false, NOW).set).toEqual({ closedAt: NOW });
    expect(planTransition('RESOLVED', 'IN_PROGRESS', false, NOW).set).toEqual({ resolvedAt: null, closedAt: null });
    expect(planTransition('NEW', 'ON_HOLD', false, NOW).set).toEqual({});
  });

  it('ignores reopen: true outside CLOSED', () => {
    expect(planTransition('RESOLVED', 'IN_PROGRESS', true, NOW).kind).toBe('STATUS_CHANGED');
  });
});
