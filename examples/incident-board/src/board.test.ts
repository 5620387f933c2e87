import type { IncidentBoardQuery } from '../../../schema/generated/graphql';
import { boardReducer, countBySeverity, EMPTY_BOARD, isOnBoard, triageOrder, type BoardAction, type BoardState, type IncidentChange } from './board';

type Node = NonNullable<IncidentBoardQuery['incidents']>['edges'][number]['node'];

function node(uid: string, overrides: Partial<Node> = {}): Node {
  return {
    uid,
    title: `Incident ${uid}`,
    severity: 'HIGH',
    status: 'NEW',
    createdAt: '2026-12-01T10:00:00.000Z',
    assignee: { uid: 'usr-1', name: 'Ada Analyst', email: null, groups: [{ name: 'SOC Tier 2' }] },
    affectedAssets: [{ role: 'AFFECTED', asset: { __typename: 'Device', uid: 'dev-1', name: 'web-01', hostname: 'web-01', owner: null } }, { role: 'RELATED', asset: null }],
    ...overrides,
  };
}

function loaded(...nodes: Node[]): BoardAction {
  return { type: 'loaded', data: { incidents: { totalCount: nodes.length, edges: nodes.map((n) => ({ node: n })), pageInfo: { hasNextPage: false, endCursor: null } } } };
}

function change(uid: string, sequence: number, incident: Partial<IncidentChange['incident']> = {}, kind: IncidentChange['kind'] = 'STATUS_CHANGED'): BoardAction {
  return {
    type: 'changed',
    change: {
      id: `${uid}:${sequence}`,
      kind,
      at: `2026-12-07T09:00:0${sequence}.000Z`,
      sequence,
      incident: { uid, title: `Incident ${uid}`, severity: 'HIGH', status: 'IN_PROGRESS', updatedAt: `2026-12-07T09:00:0${sequence}.000Z`, assignee: null, affectedAssets: [], ...incident },
    },
  };
}

const run = (...actions: BoardAction[]): BoardState => actions.reduce(boardReducer, EMPTY_BOARD);

describe('the board', () => {
  it("shows the query's incidents with their assignee's first group and the assets the token may read", () => {
    const board = run(loaded(node('inc-1')));
    expect(board.incidents['inc-1']).toEqual({
      uid: 'inc-1',
      title: 'Incident inc-1',
      severity: 'HIGH',
      status: 'NEW',
      assignee: { name: 'Ada Analyst', group: 'SOC Tier 2' },
      assets: ['web-01'],
      openedAt: '2026-12-01T10:00:00.000Z',
      lastChange: undefined,
    });
  });

  it('applies a change to its incident and records it in the activity', () => {
    const board = run(loaded(node('inc-1')), change('inc-1', 1, { status: 'ON_HOLD' }));
    expect(board.incidents['inc-1']).toMatchObject({ status: 'ON_HOLD', openedAt: '2026-12-01T10:00:00.000Z', lastChange: { kind: 'STATUS_CHANGED', sequence: 1 } });
    expect(board.activity.map((entry) => entry.id)).toEqual(['inc-1:1']);
  });

  it('ignores a repeated or older change of an incident', () => {
    const board = run(loaded(node('inc-1')), change('inc-1', 2, { status: 'ON_HOLD' }), change('inc-1', 2, { status: 'ON_HOLD' }), change('inc-1', 1, { status: 'IN_PROGRESS' }));
    expect(board.incidents['inc-1'].status).toBe('ON_HOLD');
    expect(board.activity).toHaveLength(1);
  });

  it('adds an incident that comes to match the board, and leaves out changes of incidents it does not show', () => {
    const board = run(loaded(node('inc-1')), change('inc-2', 1, { severity: 'CRITICAL', status: 'NEW' }, 'CREATED'), change('inc-3', 1, { severity: 'LOW' }));
    expect(Object.keys(board.incidents).sort()).toEqual(['inc-1', 'inc-2']);
    expect(board.incidents['inc-2'].openedAt).toBeUndefined();
    expect(board.activity.map((entry) => entry.uid)).toEqual(['inc-2']);
  });

  it('keeps an incident that left the board, marked as off it', () => {
    const board = run(loaded(node('inc-1')), change('inc-1', 1, { status: 'RESOLVED' }));
    expect(isOnBoard(board.incidents['inc-1'])).toBe(false);
  });

  it('applies again, to the answer of a query, the changes received while it ran', () => {
    // The answer was read before the change committed: without the replay the board would show NEW.
    const board = run(loaded(node('inc-1')), { type: 'loading' }, change('inc-1', 1, { status: 'IN_PROGRESS' }), loaded(node('inc-1', { status: 'NEW' })));
    expect(board.incidents['inc-1'].status).toBe('IN_PROGRESS');
    expect(board.sinceLoadStarted).toBeUndefined();
    expect(board.activity).toHaveLength(1);
  });

  it('drops, on a new load, the incidents no longer in the answer', () => {
    const board = run(loaded(node('inc-1'), node('inc-2')), { type: 'loading' }, loaded(node('inc-2')));
    expect(Object.keys(board.incidents)).toEqual(['inc-2']);
  });

  it('orders for triage: on the board first, then by severity, then the most recently active; counts what is on it', () => {
    const board = run(
      loaded(node('high-old', { createdAt: '2026-12-01T00:00:00.000Z' }), node('high-new', { createdAt: '2026-12-02T00:00:00.000Z' }), node('critical', { severity: 'CRITICAL' }), node('fatal', { severity: 'FATAL' })),
      change('fatal', 1, { severity: 'FATAL', status: 'RESOLVED' }),
    );
    expect(triageOrder(Object.values(board.incidents)).map((incident) => incident.uid)).toEqual(['critical', 'high-new', 'high-old', 'fatal']);
    expect(countBySeverity(Object.values(board.incidents))).toEqual({ CRITICAL: 1, HIGH: 2 });
  });
});
