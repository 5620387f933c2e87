import { join } from 'node:path';
import type { SqlStoreOptions } from '../../../../subgraph-kit/sql';
import { seedDemoData } from './seed';

/** The identity database: the schema its migrations create, and the demo data seeded into it. */
export const IDENTITY_DATABASE: SqlStoreOptions = {
  migrationsDirectory: join(__dirname, '..', '..', 'migrations'),
  seed: seedDemoData,
};
