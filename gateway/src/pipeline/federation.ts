import { createHash } from 'node:crypto';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import { ApolloGateway, type SupergraphManager } from '@apollo/gateway';
import type { GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { execute, Kind, OperationTypeNode, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Logger } from '../../../lib/logger';
import type { Executable, ExecutionOutcome } from './plugin';
import type { OperationRequest } from './request';
import type { ServedSchema } from './served-schema';
import { SubgraphClient, type FetchChain } from './subgraph-client';

export interface FederationOptions {
  /** Hands `@apollo/gateway` the supergraph, and a new one when it changes. */
  supergraph: SupergraphManager;
  /** The URL to call a subgraph at: a configured override, or the URL the supergraph gives (join__graph). */
  subgraphUrl(name: string, urlInSupergraph: string | undefined): string;
  /** The behaviours' fetch hooks, run around every subgraph call. */
  chain: FetchChain;
  logger: Logger;
  /** Called on every look-up in the query plan cache, for metrics. */
  onPlanLookup?: (result: 'hit' | 'miss') => void;
}

/** What Apollo's executor is handed for the parts of a request context a gateway executor never reads. */
const UNUSED_CACHE = { get: async () => undefined, set: async () => undefined, delete: async () => true };
const UNUSED_CACHE_POLICY = { restrict: () => undefined, replace: () => undefined, policyIfCacheable: () => null };

/**
 * Federation by `@apollo/gateway`, unmodified: it loads the supergraph, plans each operation (plans cached by
 * document and operation name) and executes the plan, calling a SubgraphClient per subgraph the supergraph
 * names, whatever their names. Palisade owns everything around it: the request, the checks, the fetches.
 */
export class Federation {
  private readonly gateway: ApolloGateway;
  private executor: GatewayExecutor | undefined;
  private served: ServedSchema | undefined;
  private readonly clients = new Map<string, SubgraphClient>();
  private readonly listeners = new Set<(schema: ServedSchema) => void>();

  constructor(private readonly options: FederationOptions) {
    // Before any ApolloGateway exists: otherwise it exports usage metrics to Apollo and probes cloud metadata
    // addresses, unasked (DESIGN.md, "Facts verified on this stack").
    process.env.APOLLO_TELEMETRY_DISABLED = 'true';
    this.gateway = new ApolloGateway({
      supergraphSdl: options.supergraph,
      logger: options.logger,
      // Each fetch's operation kind comes from the plan's own document, never from reading the query text.
      queryPlannerConfig: { exposeDocumentNodeInFetchNode: true },
      buildService: ({ name, url }) => this.client(name, url),
    });
    this.gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
      const schema: ServedSchema = { generation: (this.served?.generation ?? 0) + 1, api: apiSchema, supergraphSdl: coreSupergraphSdl };
      this.served = schema;
      for (const listener of this.listeners) listener(schema);
    });
    countPlanCacheLookups(this.gateway, options.onPlanLookup);
  }

  /** Loads the supergraph; a refused one (composition errors, an unknown feature) throws. */
  async load(): Promise<ServedSchema> {
    ({ executor: this.executor } = await this.gateway.load());
    return this.schema;
  }

  /** The supergraph served now. */
  get schema(): ServedSchema {
    if (!this.served) throw new Error('the supergraph is not loaded yet');
    return this.served;
  }

  /** Calls `listener` whenever a new supergraph is served; listeners registered before load() also see the first. */
  onSchema(listener: (schema: ServedSchema) => void): void {
    this.listeners.add(listener);
  }

  /** The subgraphs of the supergraph served now, by name. */
  subgraphs(): ReadonlyMap<string, SubgraphClient> {
    const byName = new Map<string, SubgraphClient>();
    for (const client of this.clients.values()) byName.set(client.subgraph, client);
    return byName;
  }

  /** Runs an operation that passed every check: introspection alone here, anything else through the query plan. */
  async execute(operation: OperationRequest, executable: Executable): Promise<ExecutionOutcome> {
    if (selectsOnlyIntrospection(executable)) {
      // Answered from the API schema by graphql-js, which knows every introspection field a client may ask
      // (isOneOf, specifiedByURL); Apollo's planner has its own copy of the introspection types, without them.
      return (await execute({ schema: operation.schema.api, document: executable.document, operationName: operation.operationName, variableValues: operation.variables })) as ExecutionOutcome;
    }
    if (!this.executor) throw new Error('the supergraph is not loaded yet');
    const requestContext: GatewayGraphQLRequestContext<OperationRequest> = {
      request: { query: operation.text, operationName: operation.operationName, variables: operation.variables },
      logger: this.options.logger,
      schema: operation.schema.api,
      schemaHash: String(operation.schema.generation) as GatewayGraphQLRequestContext['schemaHash'],
      context: operation,
      cache: UNUSED_CACHE,
      queryHash: executable.queryHash,
      document: executable.document,
      source: operation.text ?? '',
      operationName: operation.operationName ?? null,
      operation: executable.operation,
      metrics: {},
      overallCachePolicy: UNUSED_CACHE_POLICY,
    };
    return (await this.executor(requestContext as unknown as GatewayGraphQLRequestContext)) as ExecutionOutcome;
  }

  /**
   * Plans each query and mutation of these documents now, before any request asks for them, under the key
   * Apollo's executor looks its plans up by (the document's hash, and its operation's name); a new supergraph
   * empties the plan cache, so call this again then. A caller whose scopes remove fields runs another document,
   * planned on its first request. Returns how many operations were planned; 0 if this version of
   * `@apollo/gateway` keeps its planner elsewhere (test/operations.test.ts then fails).
   */
  planAhead(documents: ReadonlyArray<{ document: DocumentNode; queryHash: string }>): number {
    const gateway = this.gateway as unknown as ApolloPlanningInternals;
    const { queryPlanStore: store, queryPlanner: planner, apiSchema } = gateway;
    if (!store || !planner || !apiSchema) return 0;
    let planned = 0;
    for (const { document, queryHash } of documents) {
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation === OperationTypeNode.SUBSCRIPTION) continue;
        const operationName = definition.name?.value;
        try {
          const plan = planner.buildQueryPlan(operationFromDocument(apiSchema, document, { operationName }), {
            recursiveSelectionsLimitDisabled: gateway.recursiveSelectionsLimitDisabled,
            nonLocalSelectionsLimitDisabled: gateway.nonLocalSelectionsLimitDisabled,
          });
          const key = operationName ? createHash('sha256').update(queryHash).update(operationName).digest('hex') : queryHash;
          void store.set(key, plan);
          planned += 1;
        } catch (error) {
          // Its first request plans it again, and answers whatever went wrong.
          this.options.logger.debug({ err: error, operationName }, 'an operation could not be planned ahead');
        }
      }
    }
    return planned;
  }

  /** Stops the gateway (the supergraph's watcher) and closes every subgraph's connection pool. Safe to call twice. */
  async stop(): Promise<void> {
    await this.gateway.stop().catch(() => undefined);
    await Promise.all([...this.clients.values()].map((client) => client.close()));
  }

  /** One client per subgraph and URL, kept across reloads so that its connection pool is too. */
  private client(name: string, urlInSupergraph: string | undefined): SubgraphClient {
    const url = this.options.subgraphUrl(name, urlInSupergraph);
    const key = `${name}\u0000${url}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new SubgraphClient({ subgraph: name, url, chain: this.options.chain, logger: this.options.logger });
      this.clients.set(key, client);
    }
    return client;
  }
}

/** What planAhead reads of `@apollo/gateway`, which keeps it private. */
interface ApolloPlanningInternals {
  queryPlanStore?: { set(key: string, plan: unknown): Promise<void> };
  queryPlanner?: { buildQueryPlan(operation: ReturnType<typeof operationFromDocument>, options: object): unknown };
  apiSchema?: Schema;
  recursiveSelectionsLimitDisabled?: boolean;
  nonLocalSelectionsLimitDisabled?: boolean;
}

/** Whether every root field is `__schema`, `__type` or `__typename`: nothing for a subgraph to answer. */
function selectsOnlyIntrospection(executable: Executable): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of executable.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const onlyIntrospection = (selectionSet: SelectionSetNode, seen: Set<string>): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value.startsWith('__');
      if (selection.kind === Kind.INLINE_FRAGMENT) return onlyIntrospection(selection.selectionSet, seen);
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) return true;
      seen.add(fragment.name.value);
      return onlyIntrospection(fragment.selectionSet, seen);
    });
  return executable.operation.operation === 'query' && onlyIntrospection(executable.operation.selectionSet, new Set());
}

/**
 * Counts hits and misses of the query plan cache. `@apollo/gateway` keeps its plan store private and offers no
 * hook, so the store's get is wrapped; test/operations.test.ts fails if a new version moves it.
 */
function countPlanCacheLookups(gateway: ApolloGateway, onLookup: ((result: 'hit' | 'miss') => void) | undefined): void {
  const store = (gateway as unknown as { queryPlanStore?: { get(key: string): Promise<unknown> } }).queryPlanStore;
  if (!store || !onLookup) return;
  const get = store.get.bind(store);
  store.get = async (key: string) => {
    const plan = await get(key);
    onLookup(plan ? 'hit' : 'miss');
    return plan;
  };
}
