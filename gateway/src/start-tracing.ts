import { startTracing } from '../../lib/tracing';

// index.ts imports this module before any other, so that the instrumentations patch http and undici before
// the gateway's own modules require them.
startTracing('palisade-gateway');
