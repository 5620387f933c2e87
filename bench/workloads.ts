import { readFileSync } from 'node:fs';
import type { ApolloManifest } from '../gateway/src/persisted-operations/build-manifest';

/** One operation the benchmark sends, with its variables. */
export interface Workload {
  key: string;
  /** The operation's name in the persisted-operation manifest. */
  operationName: string;
  variables?: Record<string, unknown>;
  /** What the table says it is. */
  description: string;
}

/** A uid of each kind that the demo data holds at every scale. */
export const DEMO_USER_UID = 'usr-acme-00001';
export const DEMO_INCIDENT_UID = 'inc-acme-00001';

export const WORKLOADS: readonly Workload[] = [
  { key: 'board', operationName: 'IncidentBoard', description: 'IncidentBoard: 50 incidents with assignees, groups, assets, owners (3 subgraphs)' },
  { key: 'profile', operationName: 'UserProfile', variables: { uid: DEMO_USER_UID }, description: 'UserProfile: a user, owned assets with vulnerabilities, incident count' },
  { key: 'lookup', operationName: 'IncidentLookup', variables: { uid: DEMO_INCIDENT_UID }, description: 'IncidentLookup: one incident by uid, one field' },
];

/** A listed operation: its id (the SHA-256 of its body) and body. */
export interface ListedOperation {
  id: string;
  body: string;
}

/** Reads an Apollo persisted-query manifest (what `npm run pq:build` writes) by operation name. */
export function readManifest(path: string): Map<string, ListedOperation> {
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as ApolloManifest;
  return new Map(manifest.operations.map((operation) => [operation.name, { id: operation.id, body: operation.body }]));
}

/** The JSON body that asks for the operation by its persisted id, as Apollo Client sends it. */
export function persistedRequestBody(operation: ListedOperation, workload: Pick<Workload, 'operationName' | 'variables'>): string {
  return JSON.stringify({
    operationName: workload.operationName,
    variables: workload.variables ?? {},
    extensions: { persistedQuery: { version: 1, sha256Hash: operation.id } },
  });
}

/** The JSON body with the operation's full text: what B, C and the direct requests send. */
export function textRequestBody(operation: ListedOperation, workload: Pick<Workload, 'operationName' | 'variables'>): string {
  return JSON.stringify({ query: operation.body, operationName: workload.operationName, variables: workload.variables ?? {} });
}
