import { runSubgraph } from '../../../subgraph-kit/run-subgraph';

runSubgraph('assets', () => (require('./server') as typeof import('./server')).assetsSubgraph);
