import { PRINCIPAL_HEADER, signPrincipal } from '../lib/principal';
import type { GatewayProcess } from './gateway-process';
import { GATEWAY_LABELS, isPalisade, type GatewayKey } from './gateways';
import type { Target } from './measure';
import { BENCH_PRINCIPAL } from './principal-data-source';
import type { BenchSubgraphs } from './subgraphs';
import { persistedRequestBody, textRequestBody, type ListedOperation, type Workload } from './workloads';

/**
 * A day: the load generator sends one fixed header for a whole run, settling included. The secret is made
 * for this run and gone with it.
 */
const DIRECT_HEADER_TTL_SECONDS = 86_400;

/** The signed principal header for requests sent straight to a subgraph. */
function directHeaders(subgraphs: BenchSubgraphs): Record<string, string> {
  return { [PRINCIPAL_HEADER]: signPrincipal(BENCH_PRINCIPAL, Buffer.from(subgraphs.principalSecret, 'utf8'), Date.now(), DIRECT_HEADER_TTL_SECONDS) };
}

/** What one gateway needs for one workload: A is asked by persisted id with its token, B and C get the text. */
export function gatewayTarget(key: GatewayKey, gateway: GatewayProcess, workload: Workload, manifest: ReadonlyMap<string, ListedOperation>, token: string): Target {
  const operation = manifest.get(workload.operationName);
  if (!operation) throw new Error(`${workload.operationName} is not in the manifest; rebuild it with npm run pq:build`);
  const label = `${GATEWAY_LABELS[key]} ${workload.key}`;
  return isPalisade(key)
    ? { label, url: gateway.url, body: persistedRequestBody(operation, workload), headers: { authorization: `Bearer ${token}` }, process: gateway }
    : { label, url: gateway.url, body: textRequestBody(operation, workload), headers: {}, process: gateway };
}

/** The workload sent straight to a subgraph with a signed principal: what a gateway adds is measured against it. */
export function directTarget(label: string, url: string, operation: ListedOperation, workload: Workload, subgraphs: BenchSubgraphs): Target {
  return { label, url, body: textRequestBody(operation, workload), headers: directHeaders(subgraphs) };
}
