// npx tsx bench/identity-statements.ts [seconds]: identity's tenant statements sent two ways on one database,
// side by side: "three" as before (BEGIN with the tenant settings, the statement, COMMIT: three round trips), "one"
// as now (SqlDatabase.transactionQuery: one round trip). First one statement (users by uid) at a time, the two ways
// taking turns, then one user's profile (the user, its manager, groups, roles and accounts: five statements) asked
// of two identity services over HTTP, rounds alternating, with 1 and with 16 connections. PostgreSQL when
// DATABASE_URL is set, PGlite otherwise.
import { listen } from '../lib/http-server';
import { signPrincipal, PRINCIPAL_HEADER } from '../lib/principal';
import { MigratedDatabase, type SqlDatabase, type SqlExecutor, type SqlParameter, type TransactionOptions } from '../subgraph-kit/sql';
import { createTestDatabase } from '../subgraph-kit/sql/test-database';
import { tenantSql } from '../subgraphs/identity/src/data/tenant-sql';
import { UserRepository } from '../subgraphs/identity/src/data/user-repository';
import { createIdentityService, type IdentityService } from '../subgraphs/identity/src/server';
import { createLogger } from '../lib/logger';
import { percentile, runLoad } from './load';
import { round } from './measure';

const silentLogger = createLogger('identity-statements-bench', 'silent');
const PRINCIPAL = { sub: 'bench@acme', tenant: 'acme', kind: 'user' as const, scopes: [] };
const SECRET = Buffer.from('identity-statements-bench-secret-0123456789', 'utf8');
const STATEMENTS = 3000;
const PROFILE = `query ($uid: ID!) { user(uid: $uid) { uid name email type hasMfa riskLevel manager { uid name }
  groups { uid name } roles { uid name } accounts { uid type } } }`;

/** The database as it was used before: each statement of a request in a transaction of three round trips. */
class ThreeRoundTrips implements SqlDatabase {
  constructor(private readonly inner: SqlDatabase) {}
  get kind() {
    return this.inner.kind;
  }
  get stats() {
    return this.inner.stats;
  }
  set observe(observer: SqlDatabase['observe']) {
    this.inner.observe = observer;
  }
  query<R extends object>(text: string, params?: readonly SqlParameter[]): Promise<R[]> {
    return this.inner.query<R>(text, params);
  }
  exec(script: string): Promise<void> {
    return this.inner.exec(script);
  }
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.inner.transaction(fn, options);
  }
  transactionQuery<R extends object>(text: string, params?: readonly SqlParameter[], options?: TransactionOptions): Promise<R[]> {
    return this.inner.transaction((tx) => tx.query<R>(text, params), options);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const testDatabase = await createTestDatabase();
  const services: Record<'three' | 'one', IdentityService> = {
    three: await createIdentityService({ database: new ThreeRoundTrips(testDatabase.database), principalSecret: SECRET, logger: silentLogger, demoDataScale: 1 }),
    one: await createIdentityService({ database: testDatabase.database, principalSecret: SECRET, logger: silentLogger, demoDataScale: 1 }),
  };
  try {
    const [{ uid }] = await testDatabase.database.query<{ uid: string }>("SELECT uid FROM users WHERE tenant = 'acme' AND manager_uid IS NOT NULL ORDER BY uid LIMIT 1");
    const statements = await statementLatencies(testDatabase.database, uid);
    const body = JSON.stringify({ query: PROFILE, variables: { uid } });
    const urls = {
      three: `http://127.0.0.1:${(await listen(services.three.httpServer, 0, '127.0.0.1')).port}/graphql`,
      one: `http://127.0.0.1:${(await listen(services.one.httpServer, 0, '127.0.0.1')).port}/graphql`,
    };
    const results: Record<string, { rps: number[]; p50: number[]; p99: number[]; roundTripsPerRequest: number; errors: number }> = {};
    for (const connections of [1, 16]) {
      for (let roundNumber = 0; roundNumber < 2; roundNumber++) {
        for (const variant of ['three', 'one'] as const) {
          const headers = { [PRINCIPAL_HEADER]: signPrincipal(PRINCIPAL, SECRET, Date.now(), seconds + 60) };
          await runLoad({ url: urls[variant], body, headers, connections, durationSeconds: 1 });
          const before = testDatabase.database.stats.roundTrips;
          const sample = await runLoad({ url: urls[variant], body, headers, connections, durationSeconds: seconds });
          const key = `${variant} round trips, ${connections} connection${connections > 1 ? 's' : ''}`;
          const sorted = [...sample.latenciesMs].sort((a, b) => a - b);
          const entry = (results[key] ??= { rps: [], p50: [], p99: [], roundTripsPerRequest: 0, errors: 0 });
          entry.rps.push(round(sample.requests / sample.seconds, 1));
          entry.p50.push(percentile(sorted, 50));
          entry.p99.push(percentile(sorted, 99));
          entry.roundTripsPerRequest = round((testDatabase.database.stats.roundTrips - before) / sample.sent, 2);
          entry.errors += sample.non2xx + sample.graphqlErrors + sample.connectionErrors;
          process.stderr.write(`${key}: ${entry.rps.at(-1)} req/s\n`);
        }
      }
    }
    const ratios = Object.fromEntries(
      [1, 16].map((c) => {
        const suffix = `${c} connection${c > 1 ? 's' : ''}`;
        const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
        return [`rps one/three, ${suffix}`, round(mean(results[`one round trips, ${suffix}`].rps) / mean(results[`three round trips, ${suffix}`].rps), 2)];
      }),
    );
    console.log(JSON.stringify({ store: testDatabase.database.kind, statements, seconds, results, ratios }, null, 2));
  } finally {
    await services.three.close();
    await services.one.close();
    await testDatabase.close();
  }
}

/** Users by uid, one statement at a time, the two ways taking turns so that both see the same machine. */
async function statementLatencies(database: SqlDatabase, uid: string) {
  const ways = { three: new ThreeRoundTrips(database), one: database };
  const repositories = Object.fromEntries(
    Object.entries(ways).map(([way, db]) => [way, new UserRepository(tenantSql(new MigratedDatabase(db, async () => undefined, 10_000), 'acme'), 'acme')]),
  );
  const latencies: Record<string, number[]> = { three: [], one: [] };
  for (let n = 0; n < STATEMENTS + 200; n++) {
    for (const way of n % 2 === 0 ? ['three', 'one'] : ['one', 'three']) {
      const started = process.hrtime.bigint();
      await repositories[way].byUids([uid]);
      if (n >= 200) latencies[way].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  const summary = (list: number[]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return { p50: round(percentile(sorted, 50), 3), p90: round(percentile(sorted, 90), 3), p99: round(percentile(sorted, 99), 3) };
  };
  const three = summary(latencies.three);
  const one = summary(latencies.one);
  return { count: STATEMENTS, threeRoundTripsMs: three, oneRoundTripMs: one, p50ThreeOverOne: round(three.p50 / one.p50, 2) };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
