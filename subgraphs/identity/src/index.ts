import { runSubgraph } from '../../../subgraph-kit/run-subgraph';

runSubgraph('identity', () => (require('./server') as typeof import('./server')).identitySubgraph);
