'use strict';
// The thread that runs PGlite in memory for lib/sql/pglite.ts (which says why). Messages: { id, operation, text,
// params, setup } with operation query, exec or transactionQuery (the statement in a transaction of its own whose
// BEGIN carries setup); answers: { id, rows } or { id, error }. The main thread ends it with terminate().
const { parentPort } = require('node:worker_threads');
const { PGlite } = require('@electric-sql/pglite');

const STATEMENT_ERROR_FIELDS = ['code', 'severity', 'detail', 'hint', 'position', 'schema', 'table', 'column', 'constraint'];

function describe(error) {
  const described = { message: error instanceof Error ? error.message : String(error) };
  for (const field of STATEMENT_ERROR_FIELDS) if (error && error[field] !== undefined) described[field] = error[field];
  return described;
}

async function main() {
  const db = await PGlite.create();
  // PGlite's one connection answers one message at a time, and the main thread sends the next only when this
  // one is answered, so nothing runs between BEGIN and COMMIT or ROLLBACK.
  async function transactionQuery(text, params, setup) {
    try {
      await db.exec(setup ? `BEGIN; ${setup}` : 'BEGIN');
      const { rows } = await db.query(text, params);
      await db.exec('COMMIT');
      return rows;
    } catch (error) {
      await db.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  parentPort.on('message', async ({ id, operation, text, params, setup }) => {
    try {
      if (operation === 'query') {
        parentPort.postMessage({ id, rows: (await db.query(text, params)).rows });
      } else if (operation === 'transactionQuery') {
        parentPort.postMessage({ id, rows: await transactionQuery(text, params, setup) });
      } else {
        await db.exec(text);
        parentPort.postMessage({ id, rows: [] });
      }
    } catch (error) {
      parentPort.postMessage({ id, error: describe(error) });
    }
  });
  parentPort.postMessage({ ready: true });
}

main().catch((error) => parentPort.postMessage({ failed: describe(error) }));
