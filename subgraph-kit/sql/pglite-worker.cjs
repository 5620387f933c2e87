'use strict';
// The thread that runs PGlite in memory for lib/sql/pglite.ts (which says why). Messages: { id, operation, text,
// params } with operation query or exec; answers: { id, rows } or { id, error }. The main thread ends it with terminate().
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
  parentPort.on('message', async ({ id, operation, text, params }) => {
    try {
      if (operation === 'query') {
        parentPort.postMessage({ id, rows: (await db.query(text, params)).rows });
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
