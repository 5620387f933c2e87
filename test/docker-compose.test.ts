import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { variablesRead } from './support/environment-reads';

const rootDir = join(__dirname, '..');

interface ComposeService {
  image?: string;
  command?: string[];
  volumes?: string[];
  build?: { context: string; dockerfile: string };
  environment?: Record<string, unknown>;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }>;
}

const compose = parse(readFileSync(join(rootDir, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
const services = compose.services;

/** Each Palisade service and the file its process starts from. */
const APPLICATION_SERVICES: Record<string, string> = {
  identity: 'subgraphs/identity/src/index.ts',
  assets: 'subgraphs/assets/src/index.ts',
  incidents: 'subgraphs/incidents/src/index.ts',
  gateway: 'gateway/src/index.ts',
  ingest: 'ingest/src/index.ts',
};
/**
 * The stores: PostgreSQL for identity, MongoDB for assets and incidents, Redis for the gateways' shared state,
 * NATS JetStream for change events (the subgraphs publish them, the gateway reads them) and for the events the
 * intake takes (the subgraphs consume them).
 */
const STORES = ['postgres', 'mongo', 'redis', 'nats'];
const NATS = 'nats';

/**
 * Variables the code reads that a container is not given: state production never uses, optional tracing, and
 * defaults that serve. The scan below follows each service's imports from its index.ts, so test files and test
 * helpers (which read DATABASE_URL for tests, MONGODB_URL for the contract suite, CI) are never reached; what
 * is left here is read by service code on purpose.
 */
const NOT_FOR_CONTAINERS: Record<string, string> = {
  IDENTITY_URL: 'the older name of SUBGRAPH_IDENTITY_URL, which the gateway is given',
  ASSETS_URL: 'the older name of SUBGRAPH_ASSETS_URL, which the gateway is given',
  INCIDENTS_URL: 'the older name of SUBGRAPH_INCIDENTS_URL, which the gateway is given',
  PALISADE_DATA_DIR: 'holds the generated development secret and signing key, which production never uses',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'tracing is off unless set; add it to a service to export spans to a collector',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'tracing is off unless set',
  OTEL_TRACES_EXPORTER: 'tracing is off unless set',
  OTEL_SDK_DISABLED: 'tracing is off unless set',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json unless set',
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json unless set',
  QUERY_TIMEOUT_MS: "a subgraph's query deadline: 5 s unless set",
  METRICS_HOST: "where a subgraph serves /metrics: the service's HOST unless set",
  INGEST_STREAM: 'the JetStream stream of events: PALISADE_INGEST unless set (its dead letters in <stream>_DEAD)',
  INGEST_SUBJECT_PREFIX: "the events' subjects: palisade.ingest.events.<class_uid>.<tenant> unless set",
  INGEST_STREAM_MAX_MESSAGES: 'the most events the stream holds: 1,000,000 unless set',
};

function readsOf(service: string): Set<string> {
  return new Set(variablesRead(resolve(rootDir, APPLICATION_SERVICES[service])).keys());
}

/** What a container gets: the compose environment plus the ENV lines of its Dockerfile. */
function variablesSetFor(service: ComposeService): Set<string> {
  const names = new Set(Object.keys(service.environment ?? {}));
  const dockerfile = readFileSync(join(rootDir, service.build!.dockerfile), 'utf8');
  for (const line of dockerfile.split('\n')) {
    if (!line.startsWith('ENV ')) continue;
    for (const assignment of line.slice(4).trim().split(/\s+/)) names.add(assignment.split('=')[0]);
  }
  return names;
}

describe('docker-compose.yml', () => {
  it('names every service: the stores, the three subgraphs, the gateway and the intake', () => {
    expect(Object.keys(services).sort()).toEqual([...STORES, ...Object.keys(APPLICATION_SERVICES)].sort());
  });

  it('gives every service a healthcheck', () => {
    for (const [name, service] of Object.entries(services)) {
      expect({ name, test: service.healthcheck?.test }).toEqual({ name, test: expect.any(Array) });
    }
  });

  it('starts each Palisade service only after what it depends on is healthy', () => {
    const expected: Record<string, string[]> = {
      identity: ['nats', 'postgres'],
      assets: ['mongo', 'nats'],
      incidents: ['mongo', 'nats'],
      gateway: ['assets', 'identity', 'incidents', 'nats', 'redis'],
      ingest: ['nats'],
    };
    for (const [name, dependencies] of Object.entries(expected)) {
      const dependsOn = services[name].depends_on ?? {};
      expect({ name, dependsOn: Object.keys(dependsOn).sort() }).toEqual({ name, dependsOn: dependencies });
      for (const [dependency, { condition }] of Object.entries(dependsOn)) {
        expect({ name, dependency, condition }).toEqual({ name, dependency, condition: 'service_healthy' });
      }
    }
  });

  it('builds each Palisade service from the Dockerfile in its folder, which exists', () => {
    for (const [name, entry] of Object.entries(APPLICATION_SERVICES)) {
      const dockerfile = services[name].build?.dockerfile ?? '';
      expect({ name, dockerfile }).toEqual({ name, dockerfile: `${entry.split('/src/')[0]}/Dockerfile` });
      expect({ name, exists: existsSync(join(rootDir, dockerfile)) }).toEqual({ name, exists: true });
    }
  });

  it('finds the variables the services read by following their imports', () => {
    const gateway = readsOf('gateway');
    for (const name of ['PORT', 'HOST', 'SUPERGRAPH_PATH', 'IDENTITY_URL', 'PRINCIPAL_SECRET', 'LOG_LEVEL', 'NODE_ENV', 'JWKS_URL', 'JWT_ISSUER']) {
      expect({ name, read: gateway.has(name) }).toEqual({ name, read: true });
    }
    expect(readsOf('identity').has('DATABASE_URL')).toBe(true);
    expect(readsOf('assets').has('MONGODB_URL')).toBe(true);
    expect(readsOf('incidents').has('MONGODB_URL')).toBe(true);
    for (const name of ['PORT', 'NATS_URL', 'JWKS_URL', 'JWT_ISSUER', 'PRINCIPAL_SECRET', 'INGEST_MAX_BACKLOG']) expect({ name, read: readsOf('ingest').has(name) }).toEqual({ name, read: true });
    expect(readsOf('assets').has('NATS_URL')).toBe(true);
  });

  it('sets every variable a service reads, in its environment or its Dockerfile', () => {
    for (const name of Object.keys(APPLICATION_SERVICES)) {
      const set = variablesSetFor(services[name]);
      const missing = [...readsOf(name)].filter((variable) => !set.has(variable) && !(variable in NOT_FOR_CONTAINERS));
      expect({ service: name, missing }).toEqual({ service: name, missing: [] });
    }
  });

  it('carries change events and ingested events over the nats service, with JetStream on a named volume, one change stream for all', () => {
    const nats = services[NATS];
    const command = nats.command ?? [];
    const storeDir = command[command.indexOf('--store_dir') + 1];
    const storeVolume = (nats.volumes ?? []).map((mount) => mount.split(':')).find(([, path]) => path === storeDir)?.[0];
    expect({ jetstream: command.includes('--jetstream'), storeDir, storeVolume, declared: storeVolume !== undefined && storeVolume in (compose.volumes ?? {}) }).toEqual({
      jetstream: true,
      storeDir: expect.stringMatching(/^\//),
      storeVolume: expect.any(String),
      declared: true,
    });
    // Pinned, so that a new NATS release never arrives unannounced: a version, not latest or a bare name.
    expect(nats.image).toMatch(/^nats:\d+\.\d+/);
    for (const name of Object.keys(APPLICATION_SERVICES)) {
      const url = String(services[name].environment?.NATS_URL ?? '');
      expect({ name, host: url && new URL(url).host }).toEqual({ name, host: `${NATS}:4222` });
    }
    // The intake publishes ingested events only (to INGEST_STREAM); the others share one stream of change events.
    const changeServices = Object.keys(APPLICATION_SERVICES).filter((name) => readsOf(name).has('NATS_CHANGES_STREAM'));
    expect(changeServices.sort()).toEqual(['assets', 'gateway', 'identity', 'incidents']);
    const streams = changeServices.map((name) => services[name].environment?.NATS_CHANGES_STREAM);
    expect(new Set(streams).size).toBe(1);
  });

  it('passes the same principal secret to every Palisade service, from the environment and never a default', () => {
    const secrets = Object.keys(APPLICATION_SERVICES).map((name) => services[name].environment?.PRINCIPAL_SECRET);
    expect(new Set(secrets).size).toBe(1);
    expect(String(secrets[0])).toMatch(/^\$\{PRINCIPAL_SECRET:\?.+\}$/);
  });
});
