import { QueryDeadlineExceededError, StoreRefusedValueError, StoreUnavailableError } from '../../store-errors';
import { MigratedDatabase, PostgresDatabase, type SqlDatabase } from '..';
import { createTestDatabase, type TestDatabase } from '../test-database';
import { RequestCountingProxy } from './request-counting-proxy';

describe(`SqlDatabase on ${process.env.DATABASE_URL ? 'the PostgreSQL server at DATABASE_URL' : 'PGlite in memory'}`, () => {
  let testDatabase: TestDatabase;
  let database: SqlDatabase;

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = testDatabase.database;
    await database.exec('CREATE TABLE items (uid text PRIMARY KEY, tags text[] NOT NULL, at timestamptz NOT NULL); CREATE TABLE other (n int)');
  });
  afterAll(() => testDatabase.close());
  beforeEach(() => database.exec('TRUNCATE items'));

  it('binds parameters, arrays included, and returns typed rows', async () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    await database.query('INSERT INTO items VALUES ($1, $2, $3), ($4, $5, $3)', ['a', ['x', 'y'], at, 'b', []]);
    const rows = await database.query<{ uid: string; tags: string[]; at: Date }>('SELECT uid, tags, at FROM items WHERE uid = ANY($1::text[]) ORDER BY uid', [['a', 'b', 'zz']]);
    expect(rows).toEqual([
      { uid: 'a', tags: ['x', 'y'], at },
      { uid: 'b', tags: [], at },
    ]);
  });

  it('counts every statement it sends, BEGIN and COMMIT included', async () => {
    const before = database.stats.roundTrips;
    await database.query('SELECT 1');
    await database.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await tx.exec('SELECT 1; SELECT 2');
    });
    expect(database.stats.roundTrips - before).toBe(1 + 4);
  });

  it('reports every statement it counts to its observer, and each transaction as a whole, committed or rolled back', async () => {
    const reported: string[] = [];
    database.observe = (operation, seconds) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      reported.push(operation);
    };
    try {
      const before = database.stats.roundTrips;
      await database.query('SELECT 1');
      await database.exec('SELECT 1; SELECT 2');
      await database.transaction((tx) => tx.query('SELECT 1'));
      await expect(database.query('SELECT * FROM missing_table')).rejects.toThrow(/missing_table/);
      await expect(database.transaction((tx) => tx.query('SELECT * FROM missing_table'))).rejects.toThrow(/missing_table/);
      expect(reported).toEqual(['query', 'exec', 'exec', 'query', 'exec', 'transaction', 'query', 'exec', 'query', 'exec', 'transaction']);
      expect(database.stats.roundTrips - before).toBe(reported.filter((operation) => operation !== 'transaction').length);
    } finally {
      database.observe = undefined;
    }
  });

  it('commits a transaction and returns what its function returned', async () => {
    const result = await database.transaction(async (tx) => {
      await tx.query("INSERT INTO items VALUES ('a', '{}', now())");
      return (await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM items'))[0].count;
    });
    expect(result).toBe(1);
    expect(await database.query('SELECT uid FROM items')).toEqual([{ uid: 'a' }]);
  });

  it('rolls a transaction back when its function throws, leaving nothing of it, and rethrows that error', async () => {
    const failure = new Error('stop here');
    await expect(
      database.transaction(async (tx) => {
        await tx.query("INSERT INTO items VALUES ('a', '{}', now())");
        await tx.query("INSERT INTO other VALUES (1)");
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await database.query('SELECT uid FROM items')).toEqual([]);
    expect(await database.query('SELECT n FROM other')).toEqual([]);
  });

  it('rolls back when a statement fails, and reports it as the SQL error it is, not as unavailability', async () => {
    const attempt = database.transaction(async (tx) => {
      await tx.query("INSERT INTO items VALUES ('a', '{}', now())");
      await tx.query("INSERT INTO items VALUES ('a', '{}', now())");
    });
    await expect(attempt).rejects.toMatchObject({ code: '23505' });
    await expect(attempt).rejects.not.toBeInstanceOf(StoreUnavailableError);
    expect(await database.query('SELECT uid FROM items')).toEqual([]);
    await expect(database.query('SELEC 1')).rejects.toMatchObject({ code: '42601' });
  });

  it('names a value PostgreSQL refuses as data (SQLSTATE class 22) a StoreRefusedValueError, with its own description', async () => {
    await expect(database.query('SELECT $1::text AS uid', ['usr-\u0000'])).rejects.toEqual(new StoreRefusedValueError('invalid byte sequence for encoding "UTF8": 0x00'));
    await expect(database.query('SELECT $1::int AS n', ['twelve'])).rejects.toBeInstanceOf(StoreRefusedValueError);
    await expect(database.transaction((tx) => tx.query('SELECT $1::timestamptz AS at', ['yesterday-ish']))).rejects.toBeInstanceOf(StoreRefusedValueError);
  });

  it("sends each of a request's statements in a transaction of its own, with its settings and the statement deadline, in one round trip", async () => {
    const store = new MigratedDatabase(database, async () => undefined, 1234);
    const before = database.stats.roundTrips;
    const [settings] = await store.statements("SET LOCAL application_name = 'palisade-test'").query<{ timeout: string; name: string }>(
      "SELECT current_setting('statement_timeout') AS timeout, current_setting('application_name') AS name",
    );
    expect(settings).toEqual({ timeout: '1234ms', name: 'palisade-test' });
    expect(database.stats.roundTrips - before).toBe(1);
  });

  it('runs a statement in a transaction of its own in one round trip: it commits, and its SET LOCAL settings end with it', async () => {
    const before = database.stats.roundTrips;
    const [first] = await database.transactionQuery<{ name: string; pid: number }>(
      "INSERT INTO items VALUES ($1, '{}', now()) RETURNING current_setting('application_name') AS name, pg_backend_pid() AS pid",
      ['a'],
      { setup: "SET LOCAL application_name = 'palisade-local'" },
    );
    expect(database.stats.roundTrips - before).toBe(1);
    expect(first.name).toBe('palisade-local');
    // The pool hands the connection it got back to the next caller: the same connection, without the setting.
    const [next] = await database.query<{ name: string; pid: number; uids: string[] }>(
      "SELECT current_setting('application_name') AS name, pg_backend_pid() AS pid, (SELECT array_agg(uid) FROM items) AS uids",
    );
    expect(next).toEqual({ name: expect.not.stringMatching('palisade-local'), pid: first.pid, uids: ['a'] });
  });

  it('rolls a failed statement back, leaving neither its writes nor its settings nor an open transaction on the connection', async () => {
    const [{ pid }] = await database.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const failing = database.transactionQuery(
      "WITH written AS (INSERT INTO items VALUES ('a', '{}', now()) RETURNING uid) SELECT uid::int FROM written",
      [],
      { setup: "SET LOCAL application_name = 'palisade-local'" },
    );
    await expect(failing).rejects.toBeInstanceOf(StoreRefusedValueError);
    await expect(database.transactionQuery('SELECT * FROM missing_table', [], { setup: "SET LOCAL application_name = 'palisade-local'" })).rejects.toMatchObject({ code: '42P01' });
    // A connection left in the failed transaction would refuse this statement (25P02).
    const [after] = await database.query<{ name: string; pid: number; count: number }>(
      "SELECT current_setting('application_name') AS name, pg_backend_pid() AS pid, (SELECT count(*)::int FROM items) AS count",
    );
    expect(after).toEqual({ name: expect.not.stringMatching('palisade-local'), pid, count: 0 });
  });

  (process.env.DATABASE_URL ? it : it.skip)('writes BEGIN with its settings, the statement and COMMIT before it reads any answer (a PostgreSQL server only)', async () => {
    const proxy = await RequestCountingProxy.open(new URL(testDatabase.url!));
    const throughProxy = new PostgresDatabase(proxy.url);
    try {
      await throughProxy.query('SELECT 1');
      const before = proxy.requests;
      // Answers are held back until three requests have arrived: a client that waited for each answer would wait forever.
      proxy.holdAnswersUntil(before + 3);
      expect(await throughProxy.transactionQuery('SELECT 1 AS one', [], { setup: "SET LOCAL application_name = 'palisade-local'" })).toEqual([{ one: 1 }]);
      expect(proxy.requests - before).toBe(3);
    } finally {
      await throughProxy.close();
      await proxy.close();
    }
  });

  (process.env.DATABASE_URL ? it : it.skip)('stops a statement at its deadline with QueryDeadlineExceededError (statement_timeout; a PostgreSQL server only, PGlite has no timers)', async () => {
    const store = new MigratedDatabase(database, async () => undefined, 100);
    const started = Date.now();
    const heavy = store.statements('').query('SELECT count(*) FROM generate_series(1, 1000000000)');
    await expect(heavy).rejects.toBeInstanceOf(QueryDeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await database.query('SELECT 1 AS answer')).toEqual([{ answer: 1 }]);
  });

  it('answers ping, and once closed (twice, safely) fails with StoreUnavailableError', async () => {
    await expect(database.ping()).resolves.toBeUndefined();
    await database.close();
    await database.close();
    await expect(database.query('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(database.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(database.transaction(async () => undefined)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('PostgresDatabase when nothing listens at its address', () => {
  const database = new PostgresDatabase('postgres://palisade@127.0.0.1:1/palisade');
  afterAll(() => database.close());

  it('rejects every operation with StoreUnavailableError and keeps the cause', async () => {
    for (const operation of [() => database.query('SELECT 1'), () => database.exec('SELECT 1'), () => database.ping(), () => database.transaction(async () => 1)]) {
      const error = await operation().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    }
  });
});
