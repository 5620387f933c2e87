import { parseArgs } from 'node:util';

/** Which workloads the comparison runs: the same request on every connection, one drawn per request, or both. */
export const WORKLOAD_KINDS = ['identical', 'varied', 'both'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface BenchOptions {
  /** The comparison's workloads. */
  workload: WorkloadKind;
  /** Seed of the varied workload's callers and requests. */
  seed: number;
  scaling: boolean;
  /** Seconds of the soak (gateway A's memory under load); 0: no soak. */
  soakSeconds: number;
  /** Seconds of measured load per gateway, per workload, per round. */
  durationSeconds: number;
  /** Seconds of unmeasured load before each measured run. */
  warmupSeconds: number;
  connections: number;
  rounds: number;
  /** Demo data scale of the comparison (1: about 1,000 users, 5,000 assets, 2,000 incidents). */
  scale: number;
  /** Demo data scales of the lookup figures in --scaling mode. */
  scales: number[];
  /** Writes a CPU profile of each gateway child into bench/results. */
  profile: boolean;
  /** Adds gateways D and E: Hive Gateway and Palisade with their deduplication of work in flight off. */
  withoutDedup: boolean;
  /** Instead: a quiet tenant's latency through A, alone and while another tenant floods it. */
  noisyNeighbour: boolean;
  /** Instead: live incidents, subscribers over WebSocket while mutations stream in. */
  subscriptions: boolean;
  /** --subscriptions: change events per second, over both tenants. */
  rate: number;
  /** --subscriptions: subscribers, split across both tenants. */
  subscribers: number;
  /** Instead: ingestion's events per second and ingest-to-visible latency. */
  ingest: boolean;
  /** Events per class of an --ingest throughput run. */
  events: number;
}

/** Seconds per phase of --noisy-neighbour when --duration is not given: a short run. */
const NOISY_NEIGHBOUR_DURATION = 10;
/** Measured seconds of the event stream of --subscriptions when --duration is not given: a run of under two minutes. */
const SUBSCRIPTIONS_DURATION = 30;
const SUBSCRIPTIONS_RATE = 50;
const SUBSCRIPTIONS_SUBSCRIBERS = 1000;
const DEFAULT_SEED = 15;

export const USAGE = `Load-tests Palisade (A) against stock @apollo/gateway (B) and Hive Gateway (C) on the same subgraphs.

Usage: npm run bench -- [options]

  --duration <s>      measured seconds per gateway, per workload, per round     (default 20)
  --warmup <s>        unmeasured seconds before each measured run               (default 3)
  --connections <n>   concurrent keep-alive connections                         (default 50)
  --rounds <n>        rounds; each round runs A, B, C in turn for each workload (default 2)
  --scale <n>         demo data scale of the comparison                         (default 1)
  --workload <kind>   identical: every connection sends the same request, as a polling dashboard
                      does; varied: each request the next of a seeded sequence (a user of acme or
                      globex with a scope set of their own, and a profile, board page or incident of
                      their tenant); both: identical, then varied                (default both)
  --seed <n>          seed of the varied workload                               (default ${DEFAULT_SEED})
  --scaling           instead: board latency with first 10/50/100, and lookups at several data scales
  --scales <list>     data scales for --scaling                                 (default 1,10)
  --soak <s>          instead: A alone under load for <s> seconds (120 or more), its RSS read every 10 s
                      (bench/results/soak.json; 300 is the issue's five minutes)
  --profile           write a CPU profile of each gateway process to bench/results/*.cpuprofile and the
                      figures to latest-profiled.json (summarize: npx tsx bench/profile-summary.ts <file>)
  --without-dedup     add gateway D (Hive Gateway without its deduplication of in-flight subgraph requests)
                      and E (Palisade with DEDUPLICATION=off)
  --noisy-neighbour   instead: a quiet tenant's incident lookups through A (globex, 4 callers at 15/s each),
                      alone, then while one caller of another tenant (acme) floods A on --connections
                      connections with the heaviest requests its limits allow and 20,000-value lists they
                      refuse; A keeps its default rate limits. p50/p95/p99 side by side, the flood's answers
                      and refusals by code (bench/results/noisy-neighbour.json). --duration is per phase
                      (default ${NOISY_NEIGHBOUR_DURATION}); --warmup is the quiet tenant's before each phase
  --subscriptions     instead: live incidents. --subscribers graphql-ws clients (default ${SUBSCRIPTIONS_SUBSCRIBERS}, half
                      acme, half globex, one connection each, the token in connection_init) subscribe to
                      incidentChanged through A; mutations through A then change both tenants' incidents at
                      --rate events per second (default ${SUBSCRIPTIONS_RATE}) for --warmup + --duration seconds (default
                      ${SUBSCRIPTIONS_DURATION} measured). Commit to delivery at the tenant's last subscriber (p50, p99), A's memory
                      per idle subscription, deliveries missed, deliveries across tenants; over NATS JetStream
                      when NATS_URL is set (a stream of its own, deleted afterwards), else the incidents
                      subgraph's own change stream (bench/results/subscriptions.json)
  --ingest            instead: ingestion. Events per second from the intake to committed, per class (Device
                      Inventory Info into assets, Detection Finding into incidents, User Inventory Info into
                      identity), through HTTP (the embedded path) and, with NATS_URL, through NATS JetStream;
                      stored entities counted at the end; then ingest-to-visible latency through the gateway
                      (a new user every 250 ms until UserProfile shows it) for --duration seconds while device
                      events flow at half the measured rate (bench/results/ingest.json)
  --events <n>        events per class of an --ingest run                       (default 20000)

Set DATABASE_URL to run identity on PostgreSQL (a fresh database, dropped afterwards), and REDIS_URL to
run A in its production configuration. Results: bench/results/latest.json, scaling.json, soak.json,
noisy-neighbour.json, subscriptions.json or ingest.json.`;

export class UsageError extends Error {}

export function parseBenchOptions(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      scale: { type: 'string' },
      workload: { type: 'string' },
      seed: { type: 'string' },
      scaling: { type: 'boolean' },
      scales: { type: 'string' },
      soak: { type: 'string' },
      profile: { type: 'boolean' },
      'without-dedup': { type: 'boolean' },
      'noisy-neighbour': { type: 'boolean' },
      subscriptions: { type: 'boolean' },
      rate: { type: 'string' },
      subscribers: { type: 'string' },
      ingest: { type: 'boolean' },
      events: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const noisyNeighbour = values['noisy-neighbour'] ?? false;
  if (noisyNeighbour && (values.scaling || values.soak !== undefined)) throw new UsageError('--noisy-neighbour is a run of its own; leave out --scaling and --soak');
  const subscriptions = values.subscriptions ?? false;
  if (subscriptions && (values.scaling || values.soak !== undefined || noisyNeighbour)) throw new UsageError('--subscriptions is a run of its own; leave out --scaling, --soak and --noisy-neighbour');
  if (!subscriptions && (values.rate !== undefined || values.subscribers !== undefined)) throw new UsageError('--rate and --subscribers belong to --subscriptions');
  if (values.ingest && (values.scaling || values.soak !== undefined || noisyNeighbour || subscriptions)) throw new UsageError('--ingest is a run of its own; leave out --scaling, --soak, --noisy-neighbour and --subscriptions');
  if (!values.ingest && values.events !== undefined) throw new UsageError('--events belongs to --ingest');
  const otherRun = values.scaling || values.soak !== undefined || noisyNeighbour || subscriptions || values.ingest;
  if (otherRun && (values.workload !== undefined || values.seed !== undefined)) throw new UsageError('--workload and --seed belong to the comparison; leave out --scaling, --soak, --noisy-neighbour, --subscriptions and --ingest');
  const workload = values.workload ?? 'both';
  if (!(WORKLOAD_KINDS as readonly string[]).includes(workload)) throw new UsageError(`--workload must be one of ${WORKLOAD_KINDS.join(', ')}, got ${workload}`);
  const subscribers = positiveInt('subscribers', values.subscribers, SUBSCRIPTIONS_SUBSCRIBERS);
  if (subscribers < 2) throw new UsageError(`--subscribers must be at least 2 (one per tenant), got ${values.subscribers}`);
  return {
    workload: workload as WorkloadKind,
    seed: wholeNumber('seed', values.seed, DEFAULT_SEED),
    scaling: values.scaling ?? false,
    soakSeconds: values.soak === undefined ? 0 : soakSeconds(values.soak),
    durationSeconds: positive('duration', values.duration, noisyNeighbour ? NOISY_NEIGHBOUR_DURATION : subscriptions ? SUBSCRIPTIONS_DURATION : 20),
    warmupSeconds: nonNegative('warmup', values.warmup, 3),
    connections: positiveInt('connections', values.connections, 50),
    rounds: positiveInt('rounds', values.rounds, 2),
    scale: positive('scale', values.scale, 1),
    scales: (values.scales ?? '1,10').split(',').map((s) => positive('scales', s.trim(), NaN)),
    profile: values.profile ?? false,
    withoutDedup: values['without-dedup'] ?? false,
    noisyNeighbour,
    subscriptions,
    rate: positive('rate', values.rate, SUBSCRIPTIONS_RATE),
    subscribers,
    ingest: values.ingest ?? false,
    events: positiveInt('events', values.events, 20_000),
  };
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number, got ${raw}`);
  return value;
}

/** A soak compares the gateway's memory in its second minute with its last, so it lasts two minutes at least. */
function soakSeconds(raw: string): number {
  const value = positive('soak', raw, NaN);
  if (value < 120) throw new UsageError(`--soak must be at least 120 seconds (memory in the second minute is compared with the last), got ${raw}`);
  return value;
}

function wholeNumber(name: string, raw: string | undefined, fallback: number): number {
  const value = nonNegative(name, raw, fallback);
  if (!Number.isSafeInteger(value)) throw new UsageError(`--${name} must be a whole number, got ${raw}`);
  return value;
}

function nonNegative(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`--${name} must be zero or more, got ${raw}`);
  return value;
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  const value = positive(name, raw, fallback);
  if (!Number.isInteger(value)) throw new UsageError(`--${name} must be a whole number, got ${raw}`);
  return value;
}
