import type { Environment } from '../lib/config';
import { startTracing } from '../lib/tracing';

/** What runSubgraph starts: a subgraph made by defineSubgraph. */
interface RunnableSubgraph {
  readonly name: string;
  run(env?: Environment): void;
}

/**
 * The whole of a subgraph's index.ts:
 * `runSubgraph('assets', () => (require('./server') as typeof import('./server')).assetsSubgraph)`.
 * Tracing starts first, as palisade-<name>, and only then is the subgraph loaded: the instrumentations patch
 * http, pg and mongodb as they are first required, so nothing the subgraph imports may load before them. This
 * module therefore imports nothing but lib/tracing.ts, which loads the SDK only when tracing is asked for, and
 * the subgraph is required by the function given, not imported (imports are hoisted above any code).
 */
export function runSubgraph(name: string, load: () => RunnableSubgraph): void {
  startTracing(`palisade-${name}`);
  let subgraph: RunnableSubgraph;
  try {
    subgraph = load();
  } catch (error) {
    console.error(`${name}: failed to start`, error);
    process.exit(1);
  }
  if (subgraph.name !== name) throw new Error(`index.ts runs "${name}" but loaded the subgraph "${subgraph.name}"`);
  subgraph.run();
}
