import { startTracing } from '../../../lib/tracing';

// index.ts imports this module before any other, so that the instrumentations patch http, pg and mongodb
// before the service's own modules require them.
startTracing('palisade-identity');
