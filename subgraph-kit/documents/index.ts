export * from './store';
export { findForTenants, TenantScopedBulkWrite, TenantScopedCollection, type TenantDocument } from './tenant-scope';
export { EmbeddedDocumentDatabase } from './embedded';
export { databaseNameOf } from './mongo-url';
export { prepareCollection, type CollectionSetup } from './prepare-collection';
export { documentStore, openDocumentDatabase } from './document-store';
