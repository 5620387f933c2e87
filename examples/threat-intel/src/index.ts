import { runSubgraph } from '../../../subgraph-kit/run-subgraph';

runSubgraph('threat-intel', () => (require('./server') as typeof import('./server')).threatIntelSubgraph);
