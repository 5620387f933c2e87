import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../lib/principal';
import type { GatewayProcess } from './gateway-process';
import { GATEWAY_LABELS, isPalisade, type GatewayKey } from './gateways';
import type { LoadRequest } from './load';
import type { Target } from './measure';
import { BENCH_PRINCIPAL } from './principal-data-source';
import type { BenchSubgraphs } from './subgraphs';
import type { VariedDraw, VariedWorkload } from './varied-workloads';
import { persistedRequestBody, textRequestBody, type ListedOperation, type Workload } from './workloads';

/**
 * A day: the load generator sends headers made before the runs, settling included. The secret is made
 * for this run and gone with it.
 */
const DIRECT_HEADER_TTL_SECONDS = 86_400;

/** The signed principal header for requests sent straight to a subgraph, as the benchmark's script or as `principal`. */
export function directHeaders(principalSecret: string, principal: Principal = BENCH_PRINCIPAL): Record<string, string> {
  return { [PRINCIPAL_HEADER]: signPrincipal(principal, Buffer.from(principalSecret, 'utf8'), Date.now(), DIRECT_HEADER_TTL_SECONDS) };
}

/** What one gateway needs for one workload: A is asked by persisted id with its token, B and C get the text. */
export function gatewayTarget(key: GatewayKey, gateway: GatewayProcess, workload: Workload, manifest: ReadonlyMap<string, ListedOperation>, token: string): Target {
  const operation = listed(manifest, workload.operationName);
  const label = `${GATEWAY_LABELS[key]} ${workload.key}`;
  return isPalisade(key)
    ? { label, url: gateway.url, body: persistedRequestBody(operation, workload), headers: { authorization: `Bearer ${token}` }, process: gateway }
    : { label, url: gateway.url, body: textRequestBody(operation, workload), headers: {}, process: gateway };
}

/** The workload sent straight to a subgraph with a signed principal: what a gateway adds is measured against it. */
export function directTarget(label: string, url: string, operation: ListedOperation, workload: Workload, subgraphs: BenchSubgraphs): Target {
  return { label, url, body: textRequestBody(operation, workload), headers: directHeaders(subgraphs.principalSecret) };
}

/** A seeded sequence of the varied workload: each call starts it anew. */
export type DrawSequence = () => () => VariedDraw;

/**
 * The varied workload for one gateway: A and E by persisted id with each caller's token, B, C and D the text
 * with the caller in a plain header (they verify no tokens).
 */
export function variedGatewayTarget(key: GatewayKey, gateway: GatewayProcess, workload: VariedWorkload, manifest: ReadonlyMap<string, ListedOperation>, draws: DrawSequence): Target {
  const operation = listed(manifest, workload.operationName);
  const toRequest = isPalisade(key)
    ? ({ caller, variables }: VariedDraw) => ({ body: persistedRequestBody(operation, { operationName: workload.operationName, variables }), headers: caller.gatewayHeaders })
    : ({ caller, variables }: VariedDraw) => ({ body: textRequestBody(operation, { operationName: workload.operationName, variables }), headers: caller.peerHeaders });
  return { label: `${GATEWAY_LABELS[key]} ${workload.key}, varied`, url: gateway.url, ...sequenceOf(draws, toRequest), process: gateway };
}

/** The varied workload straight to a subgraph, each request with its caller's signed principal header. */
export function variedDirectTarget(label: string, url: string, operation: ListedOperation, workload: VariedWorkload, draws: DrawSequence): Target {
  const toRequest = ({ caller, variables }: VariedDraw) => ({ body: textRequestBody(operation, { operationName: workload.operationName, variables }), headers: caller.directHeaders });
  return { label, url, ...sequenceOf(draws, toRequest) };
}

function sequenceOf(draws: DrawSequence, toRequest: (draw: VariedDraw) => LoadRequest): Pick<Target, 'body' | 'headers' | 'sequence'> {
  return {
    ...toRequest(draws()()),
    sequence: () => {
      const next = draws();
      return () => toRequest(next());
    },
  };
}

export function listed(manifest: ReadonlyMap<string, ListedOperation>, operationName: string): ListedOperation {
  const operation = manifest.get(operationName);
  if (!operation) throw new Error(`${operationName} is not in the manifest; rebuild it with npm run pq:build`);
  return operation;
}
