import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { assetsSubgraph } from '../subgraphs/assets/src/server';
import { identitySubgraph } from '../subgraphs/identity/src/server';
import { incidentsSubgraph } from '../subgraphs/incidents/src/server';
import { importClosure, variablesRead } from './support/environment-reads';

/*
 * The Kubernetes base in deploy/base, checked against the code it runs: ports, probes, the environment each
 * service reads, secrets, scaling and isolation. No cluster runs here, so the manifests are parsed; where
 * kubectl is installed, `kubectl kustomize` also builds them. Every check collects problems as
 * "<file>: <service>: <what is missing>" and expects none, so a failure names all three.
 */

const rootDir = join(__dirname, '..');
const baseDir = join(rootDir, 'deploy', 'base');
const KUSTOMIZATION = 'kustomization.yaml';
const SECRET_EXAMPLE = 'secret.example.yaml';
/** The trusted documents the gateway enforces: deploy/base ships this folder's files (a copy, kept equal). */
const PERSISTED_QUERIES_DIR = join(rootDir, 'schema', 'persisted-queries');

/** Each Palisade service, the folder its code and Dockerfile live in, and the database port only it may reach. */
const SERVICES: Record<string, { folder: string; databasePort?: number }> = {
  gateway: { folder: 'gateway' },
  identity: { folder: 'subgraphs/identity', databasePort: 5432 },
  assets: { folder: 'subgraphs/assets', databasePort: 27017 },
  incidents: { folder: 'subgraphs/incidents', databasePort: 27017 },
  ingest: { folder: 'ingest' },
};
const SUBGRAPHS = ['identity', 'assets', 'incidents'];
/** Redis runs in the cluster (redis-deployment.yaml); the gateway reaches it through REDIS_URL. */
const REDIS = 'redis';
/**
 * NATS JetStream runs in the cluster (nats-statefulset.yaml) and carries change events (the subgraphs publish
 * theirs, the gateway reads them) and ingested events (the intake publishes them, the subgraphs consume them), all
 * through NATS_URL. A new client of NATS joins this list.
 */
const NATS = 'nats';
const NATS_CLIENTS = ['gateway', ...SUBGRAPHS, 'ingest'];

/**
 * Variables a service reads that its Deployment may leave unset, each with the reason. Anything else the code
 * reads must be provided, so a new variable fails here until it is deployed or listed with its reason.
 */
const OPTIONAL_VARIABLES: Record<string, string> = {
  PALISADE_DATA_DIR: 'development only: holds the generated principal secret and signing key, which production never uses',
  JWKS_FILE: 'the alternative to JWKS_URL, which the gateway ConfigMap sets; setting both is an error',
  PERSISTED_QUERIES_USERS: 'defaults to any',
  APQ_TTL_SECONDS: 'defaults to one day',
  SUBGRAPH_TIMEOUT_MS: 'defaults to 10 s per subgraph call',
  SUBGRAPH_RETRIES: 'defaults to 2 retries, for queries only',
  BREAKER_FAILURE_THRESHOLD: 'defaults to 5 consecutive failures',
  BREAKER_COOLDOWN_MS: 'defaults to 10 s',
  QUERY_TIMEOUT_MS: "defaults to 5 s per subgraph query, below the gateway's SUBGRAPH_TIMEOUT_MS",
  METRICS_PORT: 'defaults to 9401, 9402 and 9403 for identity, assets and incidents',
  METRICS_HOST: 'defaults to HOST',
  CLIENT_POLICIES: "JSON overrides of the per-kind limits and budgets; each behaviour's defaults (gateway/src/*/config.ts) serve without it",
  IDENTITY_URL: 'the older name of SUBGRAPH_IDENTITY_URL, which the gateway ConfigMap sets',
  ASSETS_URL: 'the older name of SUBGRAPH_ASSETS_URL, which the gateway ConfigMap sets',
  INCIDENTS_URL: 'the older name of SUBGRAPH_INCIDENTS_URL, which the gateway ConfigMap sets',
  MAX_IN_FLIGHT_PER_CALLER: 'defaults to 8 requests in flight per caller',
  MAX_IN_FLIGHT_PER_TENANT: 'defaults to 32 requests in flight per tenant',
  ADMISSION_WAIT_MS: 'defaults to 5 s of waiting for room before a 429',
  MAX_COST_IN_FLIGHT_PER_TENANT: 'defaults to an estimated cost of 10,000 executing at once per tenant',
  RATE_LIMIT_RESERVE_PERCENT: 'defaults to 2% of a budget taken from Redis at a time by each replica',
  CORS_ORIGINS: 'no browser origin in production unless an overlay lists your frontends',
  EXPLORER: 'off in production unless an overlay turns it on',
  EXPLORER_OPERATIONS: 'the example operations the image ships (schema/operations), used only when the explorer is on',
  INTROSPECTION: 'defaults to nobody in production',
  AUDIT_LOG: 'defaults to stdout, which the cluster collects',
  BATCH_MAX_OPERATIONS: 'defaults to 0: array batching off',
  DEDUPLICATION: 'defaults to on: identical queries in flight for one caller execute once',
  PARTNER_WRITE_CLIENTS: 'no partner writes (nor partner events to the intake) unless an overlay lists the agreed clients',
  SUBGRAPH_IDENTITY_URL: "the gateway ConfigMap sets it; the intake reads it only without NATS_URL, which production requires",
  SUBGRAPH_ASSETS_URL: "the gateway ConfigMap sets it; the intake reads it only without NATS_URL, which production requires",
  SUBGRAPH_INCIDENTS_URL: "the gateway ConfigMap sets it; the intake reads it only without NATS_URL, which production requires",
  INGEST_STREAM: 'the JetStream stream of events: PALISADE_INGEST unless an overlay names another (its dead letters in <stream>_DEAD)',
  INGEST_SUBJECT_PREFIX: "the events' subjects: palisade.ingest.events.<class_uid>.<tenant> unless an overlay names another prefix",
  INGEST_MAX_DELIVER: 'defaults to 5 deliveries of a failing event before it goes to the dead letters',
  INGEST_STREAM_MAX_MESSAGES: 'defaults to 1,000,000 events held in the stream',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'tracing is off unless set',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'tracing is off unless set',
  OTEL_TRACES_EXPORTER: 'tracing is off unless set',
  OTEL_SDK_DISABLED: 'tracing is off unless set',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json unless set',
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json unless set',
  SUBSCRIPTION_QUEUE_LENGTH: 'defaults to 100 events waiting for one subscriber, beyond which it is cut off',
  SUBSCRIPTION_REPLAY_SECONDS: 'defaults to 600 s of past events replayed to a client resuming a stream',
  NATS_CHANGES_STREAM: 'defaults to PALISADE_CHANGES; an installation sharing its NATS names its own in the change-events ConfigMap, which every service reads',
};

/** Names whose values are credentials: they come from Secrets, never from a ConfigMap or a plain value. */
const SECRET_VARIABLES = ['PRINCIPAL_SECRET', 'DATABASE_URL', 'MONGODB_URL', 'REDIS_URL', 'REDIS_PASSWORD'];
const SECRET_LIKE_NAME = /SECRET|PASSWORD|TOKEN|PRIVATE_KEY|CREDENTIAL/;
/** A URL with a password in it: scheme://user:password@host. */
const URL_WITH_PASSWORD = /:\/\/[^/\s:@]*:[^/\s@]+@/;

/**
 * lib/http-server.ts close() lets in-flight requests finish and has no deadline of its own yet; until the code
 * names one (a *SHUTDOWN* or *DRAIN* constant or variable, found below), this is the time budgeted for it.
 */
const ASSUMED_SHUTDOWN_SECONDS = 30;

type Labels = Record<string, string>;

interface Selector {
  matchLabels?: Labels;
  matchExpressions?: unknown[];
}

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}

interface Probe {
  httpGet?: { path?: string; port?: number | string };
  exec?: { command?: string[] };
  tcpSocket?: { port?: number | string };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}

interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds?: number } } };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: { topologyKey?: string; whenUnsatisfiable?: string; labelSelector?: Selector }[];
  affinity?: {
    podAntiAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { topologyKey?: string; labelSelector?: Selector }[];
      preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm?: { topologyKey?: string; labelSelector?: Selector } }[];
    };
  };
  volumes?: { name: string; emptyDir?: unknown; configMap?: { name: string; items?: { key: string; path: string }[] } }[];
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  /** The file under deploy/base it came from. */
  file: string;
  spec?: unknown;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** A Deployment or a StatefulSet: the checks read their pod templates alike. */
interface Workload extends Manifest {
  spec: {
    replicas?: number;
    selector: Selector;
    template: { metadata: { labels?: Labels }; spec: PodSpec };
    /** A StatefulSet's governing Service, and the volumes each of its pods claims. */
    serviceName?: string;
    volumeClaimTemplates?: { metadata: { name: string }; spec: { resources?: { requests?: { storage?: string } } } }[];
  };
}

interface NetworkPolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string };
}
interface NetworkPolicyRule {
  ports?: { port?: number | string; protocol?: string }[];
  from?: NetworkPolicyPeer[];
  to?: NetworkPolicyPeer[];
}
interface NetworkPolicy extends Manifest {
  spec: { podSelector: Selector; policyTypes?: string[]; ingress?: NetworkPolicyRule[]; egress?: NetworkPolicyRule[] };
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  commonLabels?: Labels;
  labels?: { pairs?: Labels; includeSelectors?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  configMapGenerator?: { name: string; files?: string[]; literals?: string[] }[];
}

function readManifests(file: string): Manifest[] {
  const text = readFileSync(join(baseDir, file), 'utf8');
  const manifests: Manifest[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`deploy/base/${file}: not valid YAML: ${document.errors[0].message}`);
    const value = document.toJS() as Omit<Manifest, 'file'> | null;
    if (value !== null) manifests.push({ ...value, file });
  }
  return manifests;
}

const kustomization = readManifests(KUSTOMIZATION)[0] as unknown as Kustomization;
const yamlFiles = readdirSync(baseDir).filter((file) => file.endsWith('.yaml') || file.endsWith('.yml'));
const resourceFiles = (kustomization.resources ?? []).filter((file) => existsSync(join(baseDir, file)));
const manifests = resourceFiles.flatMap(readManifests);
const secretExamples = existsSync(join(baseDir, SECRET_EXAMPLE)) ? readManifests(SECRET_EXAMPLE).filter((m) => m.kind === 'Secret') : [];

/** A ConfigMap as the kustomization's configMapGenerator makes it: files as `key=path` or `path`, literals as `key=value`. */
function generatedConfigMap(generator: NonNullable<Kustomization['configMapGenerator']>[number]): Manifest {
  const data: Record<string, string> = {};
  for (const source of generator.files ?? []) {
    const [key, path] = source.includes('=') ? source.split('=', 2) : [source.split('/').pop()!, source];
    data[key] = readFileSync(join(baseDir, path), 'utf8');
  }
  for (const literal of generator.literals ?? []) {
    const split = literal.indexOf('=');
    data[literal.slice(0, split)] = literal.slice(split + 1);
  }
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, file: KUSTOMIZATION, data };
}

const generatedConfigMaps = (kustomization.configMapGenerator ?? []).map(generatedConfigMap);

const ofKind = <T extends Manifest>(kind: string) => manifests.filter((m) => m.kind === kind) as T[];
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet'];
const workloads = manifests.filter((m) => WORKLOAD_KINDS.includes(m.kind)) as Workload[];
const configMaps = [...ofKind<Manifest>('ConfigMap'), ...generatedConfigMaps];
const networkPolicies = ofKind<NetworkPolicy>('NetworkPolicy');

/** Where a problem is: "deploy/base/<file>: <service>". */
const at = (manifest: Manifest, service = manifest.metadata.name) => `deploy/base/${manifest.file}: ${service}`;

function workloadOf(kind: 'Deployment' | 'StatefulSet', name: string): Workload {
  const workload = workloads.find((w) => w.kind === kind && w.metadata.name === name);
  if (!workload) throw new Error(`deploy/base: no ${kind} named ${name} among the kustomization's resources`);
  return workload;
}

const deploymentOf = (service: string) => workloadOf('Deployment', service);

/** The container that runs the service: the one named after it, else the only one. */
function mainContainer(workload: Workload): Container {
  const containers = workload.spec.template.spec.containers;
  const container = containers.find((c) => c.name === workload.metadata.name) ?? (containers.length === 1 ? containers[0] : undefined);
  if (!container) throw new Error(`${at(workload)}: no container named ${workload.metadata.name}`);
  return container;
}

const allContainers = (workload: Workload) => [...(workload.spec.template.spec.initContainers ?? []), ...workload.spec.template.spec.containers];
const podLabels = (workload: Workload) => workload.spec.template.metadata.labels ?? {};

/** Only matchLabels are used in this base; an expression would need more than this test understands. */
function selects(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  if (selector.matchExpressions?.length) throw new Error('matchExpressions in a selector: extend test/deploy.test.ts to evaluate them');
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

/** The Deployments and StatefulSets whose pods a selector picks. */
const selectedWorkloads = (selector: Selector | undefined) => workloads.filter((w) => selects(selector, podLabels(w))).map((w) => w.metadata.name);

/** A container port by number or by name. */
function resolvePort(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** How a container gets a variable: a plain value (its own or a ConfigMap's) or a Secret's key. */
interface ProvidedVariable {
  value?: string;
  secret?: { name: string; key: string };
}

/** The variables a container gets: its env, and the keys of the ConfigMaps and Secrets it takes whole. */
function providedVariables(container: Container): Map<string, ProvidedVariable> {
  const provided = new Map<string, ProvidedVariable>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const data = configMaps.find((c) => c.metadata.name === source.configMapRef!.name)?.data ?? {};
      for (const [name, value] of Object.entries(data)) provided.set(name, { value: String(value) });
    }
    if (source.secretRef) {
      const secret = secretExamples.find((s) => s.metadata.name === source.secretRef!.name);
      for (const name of Object.keys({ ...secret?.data, ...secret?.stringData })) provided.set(name, { secret: { name: source.secretRef.name, key: name } });
    }
  }
  for (const variable of container.env ?? []) {
    const configMapKey = variable.valueFrom?.configMapKeyRef;
    const value = configMapKey ? configMaps.find((c) => c.metadata.name === configMapKey.name)?.data?.[configMapKey.key] : variable.value;
    provided.set(variable.name, { value: value === undefined ? undefined : String(value), secret: variable.valueFrom?.secretKeyRef });
  }
  return provided;
}

function entryOf(service: string): string {
  return resolve(rootDir, SERVICES[service].folder, 'src/index.ts');
}

function variablesReadBy(service: string): Map<string, string> {
  return new Map([...variablesRead(entryOf(service))].map(([name, file]) => [name, relative(rootDir, file)]));
}

/** Each subgraph as its server.ts defines it: its configuration holds its default ports. */
const SUBGRAPH_DEFINITIONS: Record<string, { readConfig(env: Record<string, string>): { port: number } }> = {
  identity: identitySubgraph,
  assets: assetsSubgraph,
  incidents: incidentsSubgraph,
};

/** Where a service's default port is written: a subgraph's definition, or readPort(env, 'PORT', N) in the gateway's config.ts. */
function defaultPortSource(service: string): string {
  return service in SUBGRAPH_DEFINITIONS ? `${SERVICES[service].folder}/src/server.ts` : `${SERVICES[service].folder}/src/config.ts`;
}

/** The port the service listens on when PORT is unset. */
function defaultPort(service: string): number {
  const subgraph = SUBGRAPH_DEFINITIONS[service];
  if (subgraph) return subgraph.readConfig({ PRINCIPAL_SECRET: 'a-principal-secret-of-at-least-32-chars' }).port;
  const file = join(SERVICES[service].folder, 'src/config.ts');
  const source = readFileSync(join(rootDir, file), 'utf8');
  const argument = /readPort\(\s*env\s*,\s*'PORT'\s*,\s*([A-Za-z_]\w*|\d+)\s*\)/.exec(source)?.[1];
  if (!argument) throw new Error(`${file}: no readPort(env, 'PORT', <default>) found`);
  if (/^\d+$/.test(argument)) return Number(argument);
  const constant = new RegExp(`\\b${argument}\\s*=\\s*(\\d+)`).exec(source)?.[1];
  if (!constant) throw new Error(`${file}: the PORT default ${argument} is not a numeric constant in that file`);
  return Number(constant);
}

/** How long the service waits for in-flight requests after SIGTERM, from its code and its Deployment. */
function shutdownDeadlineSeconds(service: string, container: Container): { seconds: number; source: string } {
  const provided = providedVariables(container);
  const toSeconds = (name: string, value: number) => (/_MS$/.test(name) ? value / 1000 : value);
  for (const file of importClosure(entryOf(service))) {
    const source = readFileSync(file, 'utf8');
    const variable = /\(\s*env\s*,\s*'([A-Z_]*(?:SHUTDOWN|DRAIN)[A-Z_]*)'\s*,\s*([\d_]+)/.exec(source);
    if (variable) {
      const [, name, fallback] = variable;
      const configured = provided.get(name)?.value;
      return { seconds: toSeconds(name, Number(configured ?? fallback.replace(/_/g, ''))), source: `${name} (${relative(rootDir, file)})` };
    }
    const constant = /\b([A-Z_]*(?:SHUTDOWN|DRAIN)[A-Z_]*)\s*=\s*([\d_]+)\s*;/.exec(source);
    if (constant) return { seconds: toSeconds(constant[1], Number(constant[2].replace(/_/g, ''))), source: `${constant[1]} (${relative(rootDir, file)})` };
  }
  return { seconds: ASSUMED_SHUTDOWN_SECONDS, source: 'ASSUMED_SHUTDOWN_SECONDS (no deadline in the code)' };
}

function preStopSeconds(container: Container): number | undefined {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep?.seconds !== undefined) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  return command.length === 2 && command[0] === 'sleep' && /^\d+$/.test(command[1]) ? Number(command[1]) : undefined;
}

/** Every file below a directory, by its path relative to it, with its text. */
function filesUnder(directory: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of readdirSync(directory, { recursive: true, encoding: 'utf8' }).sort()) {
    if (statSync(join(directory, file)).isFile()) files.set(file, readFileSync(join(directory, file), 'utf8'));
  }
  return files;
}

function dockerfileOf(service: string): string {
  return readFileSync(join(rootDir, SERVICES[service].folder, 'Dockerfile'), 'utf8');
}

/** The policies that select a workload's pods and the rules they allow it, in one direction. */
function rulesFor(workload: Workload, direction: 'ingress' | 'egress'): { policy: NetworkPolicy; rule: NetworkPolicyRule }[] {
  return networkPolicies
    .filter((policy) => selects(policy.spec.podSelector, podLabels(workload)))
    .flatMap((policy) => (policy.spec[direction] ?? []).map((rule) => ({ policy, rule })));
}

const rulePorts = (rule: NetworkPolicyRule) => (rule.ports ?? []).map((p) => p.port);

/** Each service's metrics listener (METRICS_PORT in its image), which only Prometheus may reach. */
const METRICS_PORTS: Record<string, number> = { gateway: 9400, identity: 9401, assets: 9402, incidents: 9403, ingest: 9404 };

/** Peers that are the Prometheus pods of the monitoring namespace, and nothing else. */
function admitsOnlyTheScraper(peers: NonNullable<NetworkPolicyRule['from']>): boolean {
  return (
    peers.length > 0 &&
    peers.every(
      (peer) => !peer.ipBlock && peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring' && peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'prometheus',
    )
  );
}

/**
 * Who reaches an in-cluster store: each ingress rule admits pods of the clients only, and only on the store's
 * port; together the rules admit every client, and each client has an egress rule to the store on that port.
 */
function reachedOnlyBy(store: Workload, port: number, clients: string[]): string[] {
  const problems: string[] = [];
  const name = store.metadata.name;
  const admitted = new Set<string>();
  const rules = rulesFor(store, 'ingress');
  if (rules.length === 0) problems.push(`deploy/base/network-policies.yaml: ${name}: no ingress is allowed, so ${clients.join(', ')} cannot reach it`);
  for (const { policy, rule } of rules) {
    const peers = rule.from ?? [];
    const selected = peers.map((peer) => (peer.namespaceSelector || peer.ipBlock ? [] : selectedWorkloads(peer.podSelector)));
    const onlyClients = peers.length > 0 && peers.every((peer, index) => !peer.namespaceSelector && !peer.ipBlock && selected[index].length > 0 && selected[index].every((pod) => clients.includes(pod)));
    if (!onlyClients) problems.push(`${at(policy, name)}: an ingress rule admits more than the pods of ${clients.join(', ')}`);
    if (rulePorts(rule).join() !== String(port)) problems.push(`${at(policy, name)}: an ingress rule opens ports [${rulePorts(rule).join(', ')}], expected only ${port}`);
    if (rulePorts(rule).includes(port)) for (const pod of selected.flat()) admitted.add(pod);
  }
  for (const client of clients) {
    if (!admitted.has(client)) problems.push(`deploy/base/network-policies.yaml: ${name}: no ingress rule admits ${client} on ${port}`);
    const reaches = rulesFor(deploymentOf(client), 'egress').some(({ rule }) => (rule.to ?? []).some((peer) => selectedWorkloads(peer.podSelector).includes(name)) && rulePorts(rule).includes(port));
    if (!reaches) problems.push(`deploy/base/network-policies.yaml: ${client}: no egress to ${name} on ${port}`);
  }
  return problems;
}

describe('deploy/base kustomization', () => {
  it('lists every manifest file in deploy/base, each of which exists, and leaves the secret example out', () => {
    const problems: string[] = [];
    const listed = kustomization.resources ?? [];
    for (const file of listed) if (!existsSync(join(baseDir, file))) problems.push(`deploy/base/${KUSTOMIZATION}: lists ${file}, which does not exist`);
    for (const file of yamlFiles) {
      if (file === KUSTOMIZATION || file === SECRET_EXAMPLE) continue;
      if (!listed.includes(file)) problems.push(`deploy/base/${KUSTOMIZATION}: does not list ${file}`);
    }
    if (listed.includes(SECRET_EXAMPLE)) problems.push(`deploy/base/${KUSTOMIZATION}: lists ${SECRET_EXAMPLE}, whose placeholders must never be applied`);
    if (!existsSync(join(baseDir, SECRET_EXAMPLE))) problems.push(`deploy/base/${SECRET_EXAMPLE}: missing`);
    expect(problems).toEqual([]);
  });

  it('puts everything in the palisade namespace, labelled part-of palisade, with a Namespace that enforces the restricted pod standard', () => {
    expect(kustomization.namespace).toBe('palisade');
    const labels = { ...kustomization.commonLabels, ...Object.assign({}, ...(kustomization.labels ?? []).filter((l) => l.includeSelectors).map((l) => l.pairs)) };
    expect(labels['app.kubernetes.io/part-of']).toBe('palisade');
    const namespace = ofKind<Manifest>('Namespace').find((n) => n.metadata.name === 'palisade');
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('lists every container image under images, so that an overlay can set its registry and tag', () => {
    const problems: string[] = [];
    const images = new Map((kustomization.images ?? []).map((image) => [image.name, image]));
    for (const workload of workloads) {
      for (const container of allContainers(workload)) {
        const image = container.image ?? '';
        const entry = images.get(image);
        if (!entry) problems.push(`${at(workload)}: image "${image}" of container ${container.name} is not listed under images in ${KUSTOMIZATION} (name it there without a tag)`);
        else if (!entry.newTag && !entry.digest) problems.push(`deploy/base/${KUSTOMIZATION}: image ${image} has neither newTag nor digest`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('deploy/base services', () => {
  it('finds what the services read, by following their imports', () => {
    for (const service of Object.keys(SERVICES)) {
      const reads = variablesReadBy(service);
      for (const name of ['PORT', 'HOST', 'NODE_ENV', 'PRINCIPAL_SECRET', 'LOG_LEVEL']) expect({ service, name, read: reads.has(name) }).toEqual({ service, name, read: true });
    }
    expect(variablesReadBy('gateway').has('JWT_ISSUER')).toBe(true);
    expect(variablesReadBy('identity').has('DATABASE_URL')).toBe(true);
    expect(variablesReadBy('assets').has('MONGODB_URL')).toBe(true);
    expect(variablesReadBy('incidents').has('MONGODB_URL')).toBe(true);
  });

  it('listens on one port: its default, the Dockerfile, PORT, the container port and the Service targetPort', () => {
    const problems: string[] = [];
    for (const service of Object.keys(SERVICES)) {
      const deployment = deploymentOf(service);
      const container = mainContainer(deployment);
      const expected = defaultPort(service);
      const where = at(deployment, service);
      const containerPort = resolvePort(container, 'http');
      if (containerPort !== expected) problems.push(`${where}: container port "http" is ${containerPort}, the default in ${defaultPortSource(service)} is ${expected}`);
      const port = providedVariables(container).get('PORT')?.value;
      if (port !== String(expected)) problems.push(`${where}: PORT is ${port ?? 'not set'}, expected ${expected}`);
      const dockerfile = dockerfileOf(service);
      if (!new RegExp(`^EXPOSE ${expected}$`, 'm').test(dockerfile)) problems.push(`${SERVICES[service].folder}/Dockerfile: ${service}: does not EXPOSE ${expected}`);

      const services = ofKind<Manifest & { spec: { type?: string; selector?: Labels; ports?: { port: number; targetPort?: number | string }[] } }>('Service').filter((s) => s.metadata.name === service);
      if (services.length !== 1) {
        problems.push(`deploy/base: ${service}: expected one Service named ${service}, found ${services.length}`);
        continue;
      }
      const [serviceManifest] = services;
      if ((serviceManifest.spec.type ?? 'ClusterIP') !== 'ClusterIP') problems.push(`${at(serviceManifest)}: type ${serviceManifest.spec.type}, expected ClusterIP`);
      const selected = selectedWorkloads({ matchLabels: serviceManifest.spec.selector });
      if (selected.join() !== service) problems.push(`${at(serviceManifest)}: selector picks the pods of [${selected.join(', ')}], expected only ${service}'s`);
      for (const servicePort of serviceManifest.spec.ports ?? []) {
        const target = resolvePort(container, servicePort.targetPort ?? servicePort.port);
        if (target !== expected) problems.push(`${at(serviceManifest)}: targetPort ${servicePort.targetPort} resolves to ${target}, expected ${expected}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('probes readiness on /readyz and liveness on /healthz at the service port, and startup (where set) on /healthz', () => {
    const problems: string[] = [];
    for (const service of Object.keys(SERVICES)) {
      const deployment = deploymentOf(service);
      const container = mainContainer(deployment);
      const expected = defaultPort(service);
      const probes: [string, Probe | undefined, string][] = [
        ['readinessProbe', container.readinessProbe, '/readyz'],
        ['livenessProbe', container.livenessProbe, '/healthz'],
      ];
      if (container.startupProbe) probes.push(['startupProbe', container.startupProbe, '/healthz']);
      for (const [name, probe, path] of probes) {
        const httpGet = probe?.httpGet;
        if (!httpGet) problems.push(`${at(deployment, service)}: no ${name} with httpGet ${path}`);
        else if (httpGet.path !== path || resolvePort(container, httpGet.port) !== expected) {
          problems.push(`${at(deployment, service)}: ${name} gets ${httpGet.path} on port ${httpGet.port} (${resolvePort(container, httpGet.port)}), expected ${path} on ${expected}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('provides every variable a service reads, unless it is in the commented list of optional ones', () => {
    const problems: string[] = [];
    for (const service of Object.keys(SERVICES)) {
      const deployment = deploymentOf(service);
      const provided = providedVariables(mainContainer(deployment));
      for (const [name, file] of variablesReadBy(service)) {
        if (!provided.has(name) && !(name in OPTIONAL_VARIABLES)) {
          problems.push(`${at(deployment, service)}: does not provide ${name} (read in ${file}); set it, or list it in OPTIONAL_VARIABLES with the reason`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs in production mode, listening on every interface', () => {
    const problems: string[] = [];
    for (const service of Object.keys(SERVICES)) {
      const deployment = deploymentOf(service);
      const provided = providedVariables(mainContainer(deployment));
      if (provided.get('NODE_ENV')?.value !== 'production') problems.push(`${at(deployment, service)}: NODE_ENV is not production`);
      if (provided.get('HOST')?.value !== '0.0.0.0') problems.push(`${at(deployment, service)}: HOST is not 0.0.0.0, so the kubelet and other pods cannot reach it`);
    }
    expect(problems).toEqual([]);
  });

  it('points the gateway at each subgraph Service and at Redis', () => {
    const problems: string[] = [];
    const gateway = deploymentOf('gateway');
    const provided = providedVariables(mainContainer(gateway));
    for (const subgraph of SUBGRAPHS) {
      const name = `SUBGRAPH_${subgraph.toUpperCase()}_URL`;
      const expected = `http://${subgraph}:${defaultPort(subgraph)}/graphql`;
      if (provided.get(name)?.value !== expected) problems.push(`${at(gateway)}: ${name} is ${provided.get(name)?.value ?? 'not set'}, expected ${expected}`);
    }
    const redisUrl = secretExamples.find((s) => s.metadata.name === provided.get('REDIS_URL')?.secret?.name)?.stringData?.REDIS_URL;
    const redisService = ofKind<Manifest & { spec: { ports?: { port: number }[] } }>('Service').find((s) => s.metadata.name === REDIS);
    if (!redisUrl) problems.push(`${at(gateway)}: REDIS_URL does not come from a Secret in ${SECRET_EXAMPLE}`);
    else if (!redisService) problems.push(`deploy/base: ${REDIS}: no Service for the in-cluster Redis that REDIS_URL names`);
    else {
      const url = new URL(redisUrl);
      if (url.hostname !== REDIS || Number(url.port) !== redisService.spec.ports?.[0]?.port) problems.push(`deploy/base/${SECRET_EXAMPLE}: gateway: REDIS_URL names ${url.host}, not the ${REDIS} Service`);
    }
    if (!workloads.some((w) => w.kind === 'Deployment' && w.metadata.name === REDIS)) problems.push(`deploy/base: ${REDIS}: no Deployment for the in-cluster Redis that REDIS_URL names`);
    expect(problems).toEqual([]);
  });

  it('points the gateway, every subgraph and the intake at the in-cluster NATS, all at the same server and stream', () => {
    const problems: string[] = [];
    const natsService = ofKind<Manifest & { spec: { ports?: { name?: string; port: number }[] } }>('Service').find((s) => s.metadata.name === NATS);
    const clientPort = natsService?.spec.ports?.find((p) => p.name === 'client')?.port;
    if (!natsService || clientPort === undefined) problems.push(`deploy/base: ${NATS}: no Service with a port named client for the in-cluster NATS`);
    const provided = NATS_CLIENTS.map((client) => {
      const deployment = deploymentOf(client);
      return { client, deployment, variables: providedVariables(mainContainer(deployment)) };
    });
    for (const { client, deployment, variables } of provided) {
      const url = variables.get('NATS_URL')?.value;
      if (!url) {
        // Without it each subgraph serves its own /changes, and the gateway, through the Service, reads one replica's.
        problems.push(`${at(deployment, client)}: NATS_URL is not set, so change events would miss every subgraph replica but one`);
        continue;
      }
      const { hostname, port } = new URL(url);
      if (hostname !== NATS || Number(port || 4222) !== clientPort) problems.push(`${at(deployment, client)}: NATS_URL names ${hostname}:${port || 4222}, not the ${NATS} Service on ${clientPort}`);
    }
    for (const name of ['NATS_URL', 'NATS_CHANGES_STREAM']) {
      const values = new Set(provided.map(({ variables }) => variables.get(name)?.value ?? '(unset)'));
      if (values.size > 1) problems.push(`deploy/base: ${NATS_CLIENTS.join(', ')}: ${name} differs between them (${[...values].join(', ')}), so events would not reach the gateway`);
    }
    expect(problems).toEqual([]);
  });

  it('pauses before SIGTERM and gives the process more time than its shutdown deadline', () => {
    const problems: string[] = [];
    for (const service of Object.keys(SERVICES)) {
      const deployment = deploymentOf(service);
      const container = mainContainer(deployment);
      const pause = preStopSeconds(container);
      if (pause === undefined || pause <= 0) {
        problems.push(`${at(deployment, service)}: no preStop sleep, so traffic still arrives after SIGTERM`);
        continue;
      }
      const deadline = shutdownDeadlineSeconds(service, container);
      const grace = deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30;
      if (grace <= pause + deadline.seconds) {
        problems.push(`${at(deployment, service)}: terminationGracePeriodSeconds ${grace} is not more than the preStop ${pause} s plus the shutdown deadline ${deadline.seconds} s from ${deadline.source}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('deploy/base trusted documents', () => {
  const gateway = deploymentOf('gateway');
  const container = mainContainer(gateway);
  const provided = providedVariables(container);

  it('runs the gateway with PERSISTED_QUERIES_MODE=enforce', () => {
    expect({ PERSISTED_QUERIES_MODE: provided.get('PERSISTED_QUERIES_MODE')?.value }).toEqual({ PERSISTED_QUERIES_MODE: 'enforce' });
  });

  it('mounts at PERSISTED_QUERIES a ConfigMap that lays out every file of schema/persisted-queries at its path, as it is there', () => {
    const problems: string[] = [];
    const path = provided.get('PERSISTED_QUERIES')?.value;
    const mount = container.volumeMounts?.find((m) => m.mountPath === path);
    const volume = gateway.spec.template.spec.volumes?.find((v) => v.name === mount?.name)?.configMap;
    const configMap = configMaps.find((c) => c.metadata.name === volume?.name);
    if (!path) problems.push(`${at(gateway)}: PERSISTED_QUERIES is not set`);
    else if (!mount) problems.push(`${at(gateway)}: nothing is mounted at PERSISTED_QUERIES (${path})`);
    else if (!configMap) problems.push(`${at(gateway)}: the volume mounted at ${path} is not a ConfigMap of this base`);
    else {
      const data = configMap.data ?? {};
      const items = volume!.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      const mounted = new Map(items.filter((item) => item.key in data).map((item) => [item.path, data[item.key]]));
      for (const item of items) if (!(item.key in data)) problems.push(`${at(gateway)}: the volume maps key ${item.key}, which ConfigMap ${configMap.metadata.name} does not have`);
      for (const key of Object.keys(data)) if (!items.some((item) => item.key === key)) problems.push(`${at(gateway)}: key ${key} of ConfigMap ${configMap.metadata.name} is not mounted`);
      const expected = filesUnder(PERSISTED_QUERIES_DIR);
      const fix = 'copy schema/persisted-queries to deploy/base/persisted-queries, and list each file in the configMapGenerator and the volume\'s items';
      for (const [file, text] of expected) {
        if (!mounted.has(file)) problems.push(`${at(gateway)}: ${path}/${file} is missing; ${fix}`);
        else if (mounted.get(file) !== text) problems.push(`${at(gateway)}: ${path}/${file} differs from schema/persisted-queries/${file}; ${fix}`);
      }
      for (const file of mounted.keys()) if (!expected.has(file)) problems.push(`${at(gateway)}: ${path}/${file} is not in schema/persisted-queries`);
    }
    expect(problems).toEqual([]);
  });
});

describe('deploy/base secrets', () => {
  it('keeps credentials out of ConfigMaps', () => {
    const problems: string[] = [];
    for (const configMap of configMaps) {
      for (const [key, value] of Object.entries(configMap.data ?? {})) {
        if (SECRET_VARIABLES.includes(key) || SECRET_LIKE_NAME.test(key)) problems.push(`${at(configMap)}: holds ${key}, which belongs in a Secret`);
        if (URL_WITH_PASSWORD.test(String(value))) problems.push(`${at(configMap)}: ${key} is a URL with a password in it`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('passes credentials to containers only through secretKeyRef, to Secrets and keys that secret.example.yaml describes', () => {
    const problems: string[] = [];
    const described = new Set(secretExamples.flatMap((s) => Object.keys({ ...s.data, ...s.stringData }).map((key) => `${s.metadata.name}/${key}`)));
    const referenced = new Set<string>();
    for (const workload of workloads) {
      for (const container of allContainers(workload)) {
        for (const variable of container.env ?? []) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (ref) {
            referenced.add(`${ref.name}/${ref.key}`);
            if (!described.has(`${ref.name}/${ref.key}`)) problems.push(`${at(workload)}: ${variable.name} reads Secret ${ref.name} key ${ref.key}, which ${SECRET_EXAMPLE} does not describe`);
          } else if (SECRET_VARIABLES.includes(variable.name) || SECRET_LIKE_NAME.test(variable.name)) {
            problems.push(`${at(workload)}: ${variable.name} is not from a secretKeyRef`);
          }
        }
      }
    }
    for (const secret of described) if (!referenced.has(secret)) problems.push(`deploy/base/${SECRET_EXAMPLE}: ${secret} is read by no container`);
    for (const secret of secretExamples) if (secret.metadata.namespace !== 'palisade') problems.push(`deploy/base/${SECRET_EXAMPLE}: ${secret.metadata.name} is not in the palisade namespace`);
    expect(problems).toEqual([]);
  });

  it('names every Secret to create in deploy/README.md', () => {
    const readme = readFileSync(join(rootDir, 'deploy', 'README.md'), 'utf8');
    const missing = secretExamples.map((s) => s.metadata.name).filter((name) => !readme.includes(name));
    expect(secretExamples.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});

describe('deploy/base pods', () => {
  it('sets CPU and memory requests and limits on every container', () => {
    const problems: string[] = [];
    for (const workload of workloads) {
      for (const container of allContainers(workload)) {
        for (const kind of ['requests', 'limits'] as const) {
          for (const resource of ['cpu', 'memory']) {
            if (!container.resources?.[kind]?.[resource]) problems.push(`${at(workload)}: container ${container.name} has no ${resource} in resources.${kind}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs every container as a non-root user, without privilege escalation or capabilities, under RuntimeDefault seccomp', () => {
    const problems: string[] = [];
    for (const workload of workloads) {
      const pod = workload.spec.template.spec.securityContext ?? {};
      for (const container of allContainers(workload)) {
        const own = container.securityContext ?? {};
        const where = `${at(workload)}: container ${container.name}`;
        if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
        // The images name their user (USER node) or none (nats); the kubelet verifies runAsNonRoot only against a numeric id.
        const user = own.runAsUser ?? pod.runAsUser;
        if (!user) problems.push(`${where}: runAsUser is not a non-zero numeric id`);
        if (own.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
        if (!own.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
        if (own.capabilities?.add?.length) problems.push(`${where}: adds capabilities ${own.capabilities.add.join(', ')}`);
        if ((own.seccompProfile ?? pod.seccompProfile)?.type !== 'RuntimeDefault') problems.push(`${where}: seccompProfile is not RuntimeDefault`);
        if (own.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('mounts a writable emptyDir at /tmp for the Node services, where tsx keeps its compile cache', () => {
    const problems: string[] = [];
    for (const service of Object.keys(SERVICES)) {
      const deployment = deploymentOf(service);
      const mount = mainContainer(deployment).volumeMounts?.find((m) => m.mountPath === '/tmp');
      const volume = deployment.spec.template.spec.volumes?.find((v) => v.name === mount?.name);
      if (!volume?.emptyDir) problems.push(`${at(deployment, service)}: /tmp is not an emptyDir volume, and the root filesystem is read-only`);
    }
    expect(problems).toEqual([]);
  });
});

describe('deploy/base gateway scaling', () => {
  const gateway = deploymentOf('gateway');
  const pods = podLabels(gateway);

  it('autoscales the gateway Deployment on CPU from at least two replicas', () => {
    const problems: string[] = [];
    const hpas = ofKind<Manifest & { spec: { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string }; minReplicas?: number; maxReplicas?: number; metrics?: { type?: string; resource?: { name?: string } }[] } }>(
      'HorizontalPodAutoscaler',
    );
    const hpa = hpas.find((h) => h.spec.scaleTargetRef?.kind === 'Deployment' && h.spec.scaleTargetRef.name === 'gateway');
    if (!hpa) problems.push('deploy/base: gateway: no HorizontalPodAutoscaler targets the Deployment gateway');
    else {
      if (hpa.apiVersion !== 'autoscaling/v2') problems.push(`${at(hpa, 'gateway')}: apiVersion ${hpa.apiVersion}, expected autoscaling/v2`);
      if (hpa.spec.scaleTargetRef?.apiVersion !== 'apps/v1') problems.push(`${at(hpa, 'gateway')}: scaleTargetRef.apiVersion is not apps/v1`);
      if ((hpa.spec.minReplicas ?? 1) < 2) problems.push(`${at(hpa, 'gateway')}: minReplicas ${hpa.spec.minReplicas ?? 1}, expected at least 2`);
      if ((hpa.spec.maxReplicas ?? 0) <= (hpa.spec.minReplicas ?? 1)) problems.push(`${at(hpa, 'gateway')}: maxReplicas is not above minReplicas`);
      if (!hpa.spec.metrics?.some((m) => m.type === 'Resource' && m.resource?.name === 'cpu')) problems.push(`${at(hpa, 'gateway')}: no CPU resource metric`);
    }
    // Where the Deployment names a count it must not undercut the autoscaler; leaving it out lets the HPA own it.
    if (gateway.spec.replicas !== undefined && gateway.spec.replicas < 2) problems.push(`${at(gateway)}: replicas ${gateway.spec.replicas}, expected at least 2`);
    expect(problems).toEqual([]);
  });

  it('has a PodDisruptionBudget that selects the gateway pods, and only them, and lets one go at a time', () => {
    const problems: string[] = [];
    const pdbs = ofKind<Manifest & { spec: { selector?: Selector; minAvailable?: number | string; maxUnavailable?: number | string } }>('PodDisruptionBudget');
    const pdb = pdbs.find((p) => selects(p.spec.selector, pods));
    if (!pdb) problems.push(`deploy/base: gateway: no PodDisruptionBudget selects the pods of ${gateway.file}`);
    else {
      const selected = selectedWorkloads(pdb.spec.selector);
      if (selected.join() !== 'gateway') problems.push(`${at(pdb, 'gateway')}: selector picks the pods of [${selected.join(', ')}], expected only the gateway's`);
      if (pdb.spec.minAvailable !== 1 && pdb.spec.maxUnavailable !== 1) problems.push(`${at(pdb, 'gateway')}: neither minAvailable 1 nor maxUnavailable 1`);
    }
    expect(problems).toEqual([]);
  });

  it('spreads gateway replicas across nodes', () => {
    const spec = gateway.spec.template.spec;
    const spread = (spec.topologySpreadConstraints ?? []).some((c) => c.topologyKey === 'kubernetes.io/hostname' && selects(c.labelSelector, pods));
    const antiAffinity = spec.affinity?.podAntiAffinity;
    const apart = [
      ...(antiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      ...(antiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((term) => term.podAffinityTerm ?? {}),
    ].some((term) => term.topologyKey === 'kubernetes.io/hostname' && selects(term.labelSelector, pods));
    const problems = spread || apart ? [] : [`${at(gateway)}: no topologySpreadConstraint or podAntiAffinity on kubernetes.io/hostname that selects the gateway pods`];
    expect(problems).toEqual([]);
  });
});

describe('deploy/base NATS', () => {
  const nats = workloadOf('StatefulSet', NATS);
  const container = mainContainer(nats);
  const commandLine = [...(container.command ?? []), ...(container.args ?? [])];

  /** A nats-server option's value, written `--name value` or `--name=value`, under any of its names. */
  function option(...names: string[]): string | undefined {
    for (const [index, argument] of commandLine.entries()) {
      const [name, inline] = argument.includes('=') ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)] : [argument, undefined];
      if (names.includes(name)) return inline ?? commandLine[index + 1];
    }
    return undefined;
  }

  it('runs JetStream with its store on a volume the pod claims, under a headless governing Service', () => {
    const problems: string[] = [];
    if (!commandLine.includes('--jetstream') && !commandLine.includes('-js')) problems.push(`${at(nats)}: JetStream is not on (--jetstream)`);
    const storeDir = option('--store_dir', '-sd');
    const mount = container.volumeMounts?.find((m) => m.mountPath === storeDir);
    const claim = nats.spec.volumeClaimTemplates?.find((template) => template.metadata.name === mount?.name);
    if (!storeDir) problems.push(`${at(nats)}: no --store_dir, so JetStream keeps the events in the container's own filesystem`);
    else if (!claim) problems.push(`${at(nats)}: the store ${storeDir} is not a volume from volumeClaimTemplates, so a restart loses the events kept for replay`);
    else if (!claim.spec.resources?.requests?.storage) problems.push(`${at(nats)}: volumeClaimTemplate ${claim.metadata.name} requests no storage`);
    const governing = ofKind<Manifest & { spec: { clusterIP?: string; selector?: Labels } }>('Service').find((s) => s.metadata.name === nats.spec.serviceName);
    if (!governing) problems.push(`${at(nats)}: serviceName ${nats.spec.serviceName} names no Service of this base`);
    else {
      if (governing.spec.clusterIP !== 'None') problems.push(`${at(governing)}: the StatefulSet's governing Service is not headless (clusterIP: None)`);
      const selected = selectedWorkloads({ matchLabels: governing.spec.selector });
      if (selected.join() !== NATS) problems.push(`${at(governing)}: selector picks the pods of [${selected.join(', ')}], expected only ${NATS}'s`);
    }
    expect(problems).toEqual([]);
  });

  it('probes readiness, liveness and startup (where set) on /healthz at the monitoring port', () => {
    const problems: string[] = [];
    const monitoringPort = Number(option('--http_port', '-m'));
    if (!container.ports?.some((p) => p.containerPort === monitoringPort)) problems.push(`${at(nats)}: the monitoring port (--http_port ${option('--http_port', '-m') ?? 'not set'}) is not a container port`);
    const probes: [string, Probe | undefined][] = [
      ['readinessProbe', container.readinessProbe],
      ['livenessProbe', container.livenessProbe],
    ];
    if (container.startupProbe) probes.push(['startupProbe', container.startupProbe]);
    for (const [name, probe] of probes) {
      const httpGet = probe?.httpGet;
      if (!httpGet) problems.push(`${at(nats)}: no ${name} with httpGet /healthz`);
      else if (!/^\/healthz(\?|$)/.test(httpGet.path ?? '') || resolvePort(container, httpGet.port) !== monitoringPort) {
        problems.push(`${at(nats)}: ${name} gets ${httpGet.path} on port ${httpGet.port} (${resolvePort(container, httpGet.port)}), expected /healthz on ${monitoringPort}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('deploy/base network policies', () => {
  it('denies all traffic in the namespace unless a policy allows it', () => {
    const denyAll = networkPolicies.some(
      (p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0 && !p.spec.podSelector.matchExpressions && p.spec.policyTypes?.includes('Ingress') && p.spec.policyTypes.includes('Egress') && !p.spec.ingress?.length && !p.spec.egress?.length,
    );
    const problems = denyAll ? [] : ['deploy/base/network-policies.yaml: every pod: no NetworkPolicy with an empty podSelector denies all Ingress and Egress'];
    expect(problems).toEqual([]);
  });

  it('lets only the gateway reach each subgraph, and only on its port; only the scraper reaches its metrics port', () => {
    const problems: string[] = [];
    for (const subgraph of SUBGRAPHS) {
      const deployment = deploymentOf(subgraph);
      const port = defaultPort(subgraph);
      const rules = rulesFor(deployment, 'ingress');
      if (rules.length === 0) problems.push(`deploy/base/network-policies.yaml: ${subgraph}: no ingress is allowed, so the gateway cannot reach it`);
      for (const { policy, rule } of rules) {
        const peers = rule.from ?? [];
        if (rulePorts(rule).join() === String(METRICS_PORTS[subgraph])) {
          if (!admitsOnlyTheScraper(peers)) problems.push(`${at(policy, subgraph)}: the metrics port admits more than the Prometheus scraper`);
          continue;
        }
        const fromGatewayOnly = peers.length > 0 && peers.every((peer) => !peer.namespaceSelector && !peer.ipBlock && selectedWorkloads(peer.podSelector).join() === 'gateway');
        if (!fromGatewayOnly) problems.push(`${at(policy, subgraph)}: an ingress rule admits more than the gateway pods`);
        if (rulePorts(rule).join() !== String(port)) problems.push(`${at(policy, subgraph)}: an ingress rule opens ports [${rulePorts(rule).join(', ')}], expected only ${port}`);
      }
      const gatewayReaches = rulesFor(deploymentOf('gateway'), 'egress').some(
        ({ rule }) => (rule.to ?? []).some((peer) => selectedWorkloads(peer.podSelector).includes(subgraph)) && rulePorts(rule).includes(port),
      );
      if (!gatewayReaches) problems.push(`deploy/base/network-policies.yaml: gateway: no egress to ${subgraph} on ${port}`);
    }
    expect(problems).toEqual([]);
  });

  it('lets only each subgraph reach its own database port, and no pod reach every port', () => {
    const problems: string[] = [];
    for (const workload of workloads) {
      const name = workload.metadata.name;
      const own = SERVICES[name]?.databasePort;
      const rules = rulesFor(workload, 'egress');
      if (own !== undefined && !rules.some(({ rule }) => rulePorts(rule).includes(own))) problems.push(`deploy/base/network-policies.yaml: ${name}: no egress to its database on port ${own}`);
      for (const { policy, rule } of rules) {
        if (rulePorts(rule).length === 0) problems.push(`${at(policy, name)}: an egress rule without ports opens every port`);
        for (const [other, { databasePort }] of Object.entries(SERVICES)) {
          if (databasePort !== undefined && databasePort !== own && rulePorts(rule).includes(databasePort)) problems.push(`${at(policy, name)}: egress to port ${databasePort}, the database of ${other}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('lets producers reach the intake on its port and only the scraper its metrics port', () => {
    const problems: string[] = [];
    const ingest = deploymentOf('ingest');
    const port = defaultPort('ingest');
    const ingress = rulesFor(ingest, 'ingress');
    if (!ingress.some(({ rule }) => rulePorts(rule).join() === String(port))) problems.push(`deploy/base/network-policies.yaml: ingest: no ingress on ${port}, so producers cannot reach it`);
    for (const { policy, rule } of ingress) {
      const ports = rulePorts(rule).join();
      if (ports === String(METRICS_PORTS.ingest)) {
        if (!admitsOnlyTheScraper(rule.from ?? [])) problems.push(`${at(policy, 'ingest')}: the metrics port admits more than the Prometheus scraper`);
      } else if (ports !== String(port)) problems.push(`${at(policy, 'ingest')}: an ingress rule opens ports [${ports}], expected only ${port} or the metrics port`);
    }
    expect(problems).toEqual([]);
  });

  it('lets only the gateway reach Redis', () => {
    const redis = deploymentOf(REDIS);
    expect(reachedOnlyBy(redis, resolvePort(mainContainer(redis), 'redis')!, ['gateway'])).toEqual([]);
  });

  it('lets only the gateway, the subgraphs and the intake reach NATS, and only on its client port', () => {
    const nats = workloadOf('StatefulSet', NATS);
    expect(reachedOnlyBy(nats, resolvePort(mainContainer(nats), 'client')!, NATS_CLIENTS)).toEqual([]);
  });
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const haveKubectl = kubectl.status === 0;
if (!haveKubectl) console.log('deploy/base: kubectl is not installed, so the kustomize build check is skipped; the parsed-manifest checks ran');

describe('deploy/base built with kubectl kustomize', () => {
  (haveKubectl ? it : it.skip)('builds, and puts every object in the namespace with the part-of label, every image at a tag, and every ConfigMap a pod reads in the build', () => {
    const build = spawnSync('kubectl', ['kustomize', baseDir], { encoding: 'utf8' });
    expect(build.stderr.replace(/^Warning:.*\n?/gm, '')).toBe('');
    expect(build.status).toBe(0);
    const problems: string[] = [];
    const built = parseAllDocuments(build.stdout).map((document) => document.toJS() as Omit<Manifest, 'file'>);
    expect(built.length).toBe(manifests.length + generatedConfigMaps.length);
    // Generated ConfigMaps get a hash suffix; kustomize must have renamed every reference to them.
    const builtConfigMaps = new Set(built.filter((object) => object.kind === 'ConfigMap').map((object) => object.metadata.name));
    for (const object of built) {
      const where = `kubectl kustomize deploy/base: ${object.kind} ${object.metadata.name}`;
      if (object.kind !== 'Namespace' && object.metadata.namespace !== 'palisade') problems.push(`${where}: namespace ${object.metadata.namespace}`);
      if (object.metadata.labels?.['app.kubernetes.io/part-of'] !== 'palisade') problems.push(`${where}: no part-of label`);
      if (WORKLOAD_KINDS.includes(object.kind)) {
        const { spec } = object as Workload;
        if (spec.selector.matchLabels?.['app.kubernetes.io/part-of'] !== 'palisade') problems.push(`${where}: selector without the part-of label`);
        for (const container of spec.template.spec.containers) if (!/:[^/]+$/.test(container.image ?? '')) problems.push(`${where}: image ${container.image} has no tag`);
        const read = [
          ...(spec.template.spec.volumes ?? []).flatMap((volume) => volume.configMap?.name ?? []),
          ...allContainers(object as Workload).flatMap((container) => (container.envFrom ?? []).flatMap((source) => source.configMapRef?.name ?? [])),
        ];
        for (const name of read) if (!builtConfigMaps.has(name)) problems.push(`${where}: reads ConfigMap ${name}, which the build does not have`);
      }
    }
    expect(problems).toEqual([]);
  });
});
