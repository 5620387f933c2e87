import type { EmbeddedDocumentDatabase } from '..';

/** How many documents an operation had the embedded store evaluate (stats.documentsExamined, MongoDB's docsExamined). */
export async function documentsExamined(database: EmbeddedDocumentDatabase, operation: () => Promise<unknown>): Promise<number> {
  const before = database.stats.documentsExamined;
  await operation();
  return database.stats.documentsExamined - before;
}
