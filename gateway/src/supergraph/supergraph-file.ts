import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { SupergraphManager, SupergraphSdlHook } from '@apollo/gateway';
import { ConfigError } from '../../../lib/errors';
import type { Logger } from '../../../lib/logger';
import { withoutSecurityPurpose } from '../authorization/requirements';

type SupergraphSdlHookOptions = Parameters<SupergraphSdlHook>[0];

export type ReloadResult = 'applied' | 'unchanged' | 'refused';

export interface SupergraphFileOptions {
  logger: Logger;
  /** Called after every reload attempt, for metrics. */
  onReload?: (result: ReloadResult) => void;
  /** Watch the file and reload on change (default true). */
  watch?: boolean;
  debounceMs?: number;
}

/**
 * The static supergraph at SUPERGRAPH_PATH, reloaded when the file changes. A new supergraph is handed to
 * `@apollo/gateway`, which builds and checks it before it swaps it in; a broken one is refused with a log line
 * and the old one keeps serving. Requests already running finish on the schema they started with, because
 * Apollo Server resolves each request against the schema it had when the request began.
 */
export class SupergraphFile implements SupergraphManager {
  private update: SupergraphSdlHookOptions['update'] | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private current: string | undefined;

  constructor(
    readonly path: string,
    private readonly options: SupergraphFileOptions,
  ) {}

  /** The supergraph as `@apollo/gateway` will load it: `for: SECURITY` removed (see authorization/requirements). */
  read(): string {
    try {
      return withoutSecurityPurpose(readFileSync(this.path, 'utf8'));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError('SUPERGRAPH_PATH', `cannot read the supergraph at ${this.path} (${reason}); run npm run compose to write it`);
    }
  }

  async initialize({ update }: SupergraphSdlHookOptions) {
    this.update = update;
    this.current = this.read();
    if (this.options.watch !== false) this.startWatching();
    return { supergraphSdl: this.current, cleanup: async () => this.close() };
  }

  /** Reads the file again and hands a changed supergraph to the gateway. Never throws. */
  reload(): ReloadResult {
    const result = this.tryReload();
    this.options.onReload?.(result);
    return result;
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private tryReload(): ReloadResult {
    let next: string;
    try {
      next = this.read();
    } catch (error) {
      this.options.logger.error({ err: error, path: this.path }, 'supergraph reload refused: file unreadable; the previous supergraph keeps serving');
      return 'refused';
    }
    if (next === this.current || !this.update) return 'unchanged';
    try {
      this.update(next);
    } catch (error) {
      this.options.logger.error({ err: error, path: this.path }, 'supergraph reload refused: invalid supergraph; the previous supergraph keeps serving');
      return 'refused';
    }
    this.current = next;
    this.options.logger.info({ path: this.path }, 'supergraph reloaded');
    return 'applied';
  }

  private startWatching(): void {
    // The directory is watched, not the file: editors and Kubernetes ConfigMaps replace files by renaming.
    const file = basename(this.path);
    this.watcher = watch(dirname(this.path), (_event, changed) => {
      if (changed !== null && changed !== file && !changed.startsWith('..')) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reload(), this.options.debounceMs ?? 200);
    });
    this.watcher.on('error', (error) => this.options.logger.error({ err: error }, 'supergraph watcher failed; reload by restarting'));
  }
}
