import { OperationTypeNode } from 'graphql';
import { principalKey } from '../../../lib/principal';
import type { ExecutionOutcome, GatewayPlugin, SubgraphResponse } from '../pipeline/plugin';
import { InFlight } from './in-flight';

export type DeduplicationStage = 'operation' | 'subgraph_fetch';

/**
 * Identical work in flight, done once. Inbound: identical queries execute once when everything that can change
 * the answer is equal: the supergraph, the operation as planned (after authorization removed what the caller
 * may not read), the operation name, the variables and the principal the subgraphs are told about. Outbound:
 * identical query fetches to one subgraph for the same principal are sent once. Each request still passes
 * authentication, limits, cost, rate limits and the audit trail on its own; only execution is shared. A mutation
 * is never shared, and no query that starts after a mutation started joins work from before it, nor from before
 * it ended: a client reads its own writes.
 */
export function useDeduplication(onJoin: (stage: DeduplicationStage) => void = () => undefined): GatewayPlugin {
  const executions = new InFlight<ExecutionOutcome>(copyResult, () => onJoin('operation'));
  const fetchesBySubgraph = new Map<string, InFlight<SubgraphResponse>>();
  const fetchesTo = (subgraph: string) => {
    let fetches = fetchesBySubgraph.get(subgraph);
    if (!fetches) fetchesBySubgraph.set(subgraph, (fetches = new InFlight(copyResponse, () => onJoin('subgraph_fetch'))));
    return fetches;
  };
  return {
    name: 'deduplication',
    onSchema() {
      // A new supergraph is like a write: no request after it joins an execution planned before it. A fetch
      // may still join one: the same request to the same subgraph gets the same answer, whatever planned it.
      executions.barrier();
    },
    execute(operation, executable, next) {
      if (executable.operation.operation !== OperationTypeNode.QUERY) return executions.write(() => next(executable));
      const key = { group: `${executable.queryHash}\0${operation.operationName ?? ''}\0${principalKey(operation.principal)}`, detail: () => JSON.stringify(operation.variables) };
      // A request that joins does no work of its own: it gives back its turn (rate-limits' admission).
      return executions.run(key, () => next(executable), () => operation.request.sharing());
    },
    fetch(fetch, next) {
      const fetches = fetchesTo(fetch.subgraph);
      if (fetch.operationKind !== OperationTypeNode.QUERY) return fetches.write(() => next(fetch));
      const key = { group: `${fetch.query}\0${fetch.operationName ?? ''}\0${principalKey(fetch.operation.principal)}`, detail: () => JSON.stringify(fetch.variables) };
      return fetches.run(key, () => next(fetch));
    },
  };
}

/**
 * Each sharer gets its own result object, and they share the data: nothing changes a result after execution
 * (authorization restores removed fields into new data), so copying it would only cost time.
 */
function copyResult(result: ExecutionOutcome): ExecutionOutcome {
  return { ...result, errors: result.errors && [...result.errors] };
}

/** The gateway merges entities into what a fetch returned, so each sharer gets its own copy of the body. */
function copyResponse(response: SubgraphResponse): SubgraphResponse {
  return structuredClone(response);
}
