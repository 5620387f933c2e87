import { runSubgraph } from '../../../subgraph-kit/run-subgraph';

runSubgraph('incidents', () => (require('./server') as typeof import('./server')).incidentsSubgraph);
