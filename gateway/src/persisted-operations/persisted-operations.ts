import { statSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { ManifestError } from './manifest';
import { buildOperationList, readManifestSources, type OperationList } from './operation-list';
import type { GraphQLParams } from '../pipeline/request';
import { resolveRequest, type ResolutionPolicy, type ResolvedRequest } from './resolve-request';

export interface PersistedOperationsOptions extends ResolutionPolicy {
  /** PERSISTED_QUERIES: one manifest file, or a directory holding manifest.json and clients/<client_id>.json. */
  path: string;
  /** The API schema (not the supergraph) every listed operation must validate against. */
  schema: GraphQLSchema;
  logger: Logger;
  /** Reload when the files change. Default true. */
  watch?: boolean;
  /** Quiet time after the last change before reloading, so that a file written in pieces is read once whole. Default 200 ms. */
  debounceMs?: number;
}

/** For /metrics and /readyz. */
export interface PersistedOperationsStats {
  /** Operations in the shared list (manifest.json, or the one manifest file). */
  sharedOperations: number;
  /** Operations listed per partner client_id. */
  clientOperations: Record<string, number>;
  /** When the list in use was loaded. */
  loadedAt: Date;
  /** Reloads refused since start (the previous list stayed in use). */
  reloadFailures: number;
  /** Why the last refused reload was refused; null once a later reload succeeds. */
  lastFailure: string | null;
}

export type ReloadOutcome = { status: 'reloaded' | 'unchanged' } | { status: 'refused'; reason: string };

/** A stream of change events reloads at least this often, however short the gaps between them. */
const MAX_DEBOUNCE_FACTOR = 10;

/**
 * The persisted operations the gateway serves: loaded and validated once, replaced as a whole when the
 * files change, and never parsed again per request.
 */
export class PersistedOperations {
  private list: OperationList;
  private schema: GraphQLSchema;
  private loadedAt = new Date();
  private reloadFailures = 0;
  private lastFailure: string | null = null;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private firstPendingChangeAt = 0;
  private closed = false;

  private constructor(private readonly options: PersistedOperationsOptions) {
    this.schema = options.schema;
    this.list = buildOperationList(readManifestSources(options.path), this.schema);
    if (options.watch ?? true) this.watcher = this.startWatching();
    this.logLoaded('persisted operations loaded');
  }

  /** Loads and validates every manifest; throws ManifestError naming the file and the operation at fault. */
  static load(options: PersistedOperationsOptions): PersistedOperations {
    return new PersistedOperations(options);
  }

  /** Decides what runs for this principal; throws a refusal (with its HTTP status) when refused. */
  resolve(params: GraphQLParams, principal: Principal): ResolvedRequest {
    return resolveRequest(this.list, this.options, params, principal, ({ operationHash, operationName }) =>
      this.options.logger.warn(
        { clientId: principal.clientId ?? null, kind: principal.kind, sub: principal.sub, operationHash, operationName },
        'unlisted operation (PERSISTED_QUERIES_MODE=audit; enforce would refuse it)',
      ),
    );
  }

  /**
   * Validates the lists again against a new schema (the supergraph was reloaded). When an operation no
   * longer validates, the lists in use stay and the refusal is logged and counted: clients then get the
   * validation error for that operation, and whoever changed the schema sees why.
   */
  updateSchema(schema: GraphQLSchema): ReloadOutcome {
    if (schema === this.schema) return { status: 'unchanged' };
    this.schema = schema;
    return this.rebuild(true);
  }

  /** Reads the files again; a list with any problem is refused whole, and the one in use stays. */
  reload(): ReloadOutcome {
    return this.rebuild(false);
  }

  private rebuild(schemaChanged: boolean): ReloadOutcome {
    try {
      const sources = readManifestSources(this.options.path);
      if (!schemaChanged && sources.fingerprint === this.list.fingerprint) return { status: 'unchanged' };
      this.list = buildOperationList(sources, this.schema);
    } catch (error) {
      // Runs from a timer: whatever went wrong is reported, never thrown into the event loop.
      const reason = error instanceof ManifestError ? error.message : `${this.options.path}: ${(error as Error).message}`;
      this.reloadFailures += 1;
      this.lastFailure = reason;
      this.options.logger.error({ path: this.options.path, reason }, 'persisted operations refused; the previous list stays in use');
      return { status: 'refused', reason };
    }
    this.loadedAt = new Date();
    this.lastFailure = null;
    this.logLoaded('persisted operations reloaded');
    return { status: 'reloaded' };
  }

  /** The bodies of every listed query and mutation, shared and per client, each once. */
  bodies(): string[] {
    const bodies = new Set<string>();
    for (const set of [this.list.shared, ...this.list.clients.values()]) {
      for (const operation of set.operations()) if (operation.type !== 'subscription') bodies.add(operation.body);
    }
    return [...bodies];
  }

  stats(): PersistedOperationsStats {
    return {
      sharedOperations: this.list.shared.size,
      clientOperations: Object.fromEntries([...this.list.clients].map(([clientId, set]) => [clientId, set.size])),
      loadedAt: this.loadedAt,
      reloadFailures: this.reloadFailures,
      lastFailure: this.lastFailure,
    };
  }

  /** Stops watching the files. Safe to call twice. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  /**
   * Watches the directory (recursively, for clients/), or the file's directory: editors and Kubernetes
   * ConfigMaps replace files by renaming, which a watch on the file itself would not survive.
   */
  private startWatching(): FSWatcher {
    const path = this.options.path;
    const directory = statSync(path).isDirectory();
    const watcher = watch(directory ? path : dirname(path), { recursive: directory, persistent: false }, () => this.changed());
    watcher.on('error', (error) => {
      this.options.logger.error({ path, err: error }, 'stopped watching the persisted operations; restart the gateway to pick up changes');
      this.close();
    });
    return watcher;
  }

  private changed(): void {
    // An event already queued when close() ran must not start a timer again.
    if (this.closed) return;
    const debounceMs = this.options.debounceMs ?? 200;
    const now = Date.now();
    if (this.timer === undefined) this.firstPendingChangeAt = now;
    clearTimeout(this.timer);
    const waited = now - this.firstPendingChangeAt;
    const delay = Math.max(0, Math.min(debounceMs, debounceMs * MAX_DEBOUNCE_FACTOR - waited));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reload();
    }, delay);
    this.timer.unref();
  }

  private logLoaded(message: string): void {
    const { sharedOperations, clientOperations } = this.stats();
    this.options.logger.info({ path: this.options.path, mode: this.options.mode, sharedOperations, clientOperations }, message);
  }
}
