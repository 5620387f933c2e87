import { startTracing } from '../../lib/tracing';

// index.ts imports this module before any other, so that the instrumentations patch http before the intake's
// own modules require it.
startTracing('palisade-ingest');
