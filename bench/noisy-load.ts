// The two clients of --noisy-neighbour, each run in a child process of its own (bench/noisy-child.ts), so that
// neither reads its answers on the event loop of the other, of the subgraphs or of the gateway.
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { percentile } from './load';

/** What a client child prints when it is ready to measure, what it waits for, and what precedes its result. */
export const READY_LINE = 'READY';
export const GO_LINE = 'go';
/** Tells the flood to stop: the quiet tenant's measured lookups are all answered. */
export const STOP_LINE = 'stop';
export const RESULT_LINE_PREFIX = 'RESULT ';

/** What both clients send: a persisted operation by id, as Apollo Client does, to gateway A. */
export interface PersistedOperation {
  url: string;
  operationName: string;
  /** The SHA-256 of the operation's body in the manifest A enforces. */
  id: string;
}

export interface QuietSpec extends PersistedOperation {
  /** One token per caller of the quiet tenant; each caller has one keep-alive connection. */
  tokens: string[];
  /** Incident uids of the quiet tenant, looked up in turn. */
  uids: string[];
  /** Lookups per second per caller, evenly spaced. */
  ratePerCaller: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface QuietResult {
  /** Lookups the schedule asked for, sent, and answered (any status). */
  planned: number;
  sent: number;
  answered: number;
  seconds: number;
  /** Of the answered lookups and of those that failed to connect or timed out: send to last byte, ms. */
  latency: LatencySummary;
  /** The same from each lookup's slot in the schedule: what a late send (the caller's previous lookup still out) adds. */
  latencyFromSlot: LatencySummary;
  /** Lookups sent more than one interval after their slot, because the caller's previous one was still out. */
  late: number;
  /** Not HTTP 200, errors in the body, no data or another incident's, connection errors and timeouts. */
  errors: number;
  errorsByKind: Record<string, number>;
  errorExample?: string;
  /** Every lookup as [s from the start of the measured schedule to its answer, latency ms]: to split a phase by time. */
  samples: Array<[number, number]>;
}

/** The same bound as the comparison's load generator: no request waits longer than this. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The quiet tenant: each caller looks incidents up by uid on its own connection at a steady rate (an open
 * schedule: a slow answer does not lower the rate of the next slots, it makes them late), for the warm-up
 * (unmeasured), then, after `beforeMeasured` resolves, for the measured duration.
 */
export async function quietLoad(spec: QuietSpec, beforeMeasured: () => Promise<void>): Promise<QuietResult> {
  const agents = spec.tokens.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    if (spec.warmupSeconds > 0) await paced(spec, agents, spec.warmupSeconds);
    await beforeMeasured();
    return await paced(spec, agents, spec.durationSeconds);
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

async function paced(spec: QuietSpec, agents: Agent[], seconds: number): Promise<QuietResult> {
  const intervalMs = 1000 / spec.ratePerCaller;
  const started = performance.now();
  const end = started + seconds * 1000;
  const latencies: number[] = [];
  const fromSlot: number[] = [];
  const result: QuietResult = { planned: 0, sent: 0, answered: 0, seconds, latency: NO_LATENCY, latencyFromSlot: NO_LATENCY, late: 0, errors: 0, errorsByKind: {}, samples: [] };
  const fail = (kind: string, example: string) => {
    result.errors += 1;
    result.errorsByKind[kind] = (result.errorsByKind[kind] ?? 0) + 1;
    result.errorExample ??= example.slice(0, 500);
  };
  const caller = async (index: number) => {
    // The callers' slots are spread over the interval, so that the tenant's lookups arrive evenly.
    const first = started + (index * intervalMs) / agents.length;
    for (let slot = 0; first + slot * intervalMs < end; slot++) {
      const due = first + slot * intervalMs;
      result.planned += 1;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else if (-wait > intervalMs) result.late += 1;
      const uid = spec.uids[(slot * agents.length + index) % spec.uids.length];
      const body = JSON.stringify({ operationName: spec.operationName, variables: { uid }, extensions: { persistedQuery: { version: 1, sha256Hash: spec.id } } });
      const sentAt = performance.now();
      result.sent += 1;
      const answer = await post(spec.url, agents[index], spec.tokens[index], body);
      const answeredAt = performance.now();
      latencies.push(answeredAt - sentAt);
      fromSlot.push(answeredAt - due);
      result.samples.push([Math.round(answeredAt - started) / 1000, Math.round((answeredAt - sentAt) * 100) / 100]);
      if ('failure' in answer) {
        fail(answer.failure, answer.failure);
        continue;
      }
      result.answered += 1;
      if (answer.status !== 200) {
        fail(`HTTP ${answer.status} ${codeIn(answer.body)}`, `HTTP ${answer.status}: ${answer.body}`);
        continue;
      }
      const parsed = parseJson(answer.body) as { data?: { incident?: { uid?: string } | null } | null; errors?: unknown } | undefined;
      if (parsed?.errors !== undefined) fail(`errors ${codeIn(answer.body)}`, answer.body);
      else if (parsed?.data?.incident?.uid !== uid) fail('wrong or missing incident', answer.body);
    }
  };
  await Promise.all(agents.map((_, index) => caller(index)));
  result.seconds = (performance.now() - started) / 1000;
  result.latency = summarizeLatency(latencies);
  result.latencyFromSlot = summarizeLatency(fromSlot);
  return result;
}

type Answer = { status: number; body: string } | { failure: 'timeout' | 'connection error' };

function post(url: string, agent: Agent, token: string, body: string): Promise<Answer> {
  return new Promise((resolve) => {
    const outgoing = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', () => resolve({ failure: 'connection error' }));
    });
    outgoing.setTimeout(REQUEST_TIMEOUT_MS, () => {
      outgoing.destroy();
      resolve({ failure: 'timeout' });
    });
    outgoing.on('error', () => resolve({ failure: 'connection error' }));
    outgoing.end(body);
  });
}

export interface FloodSpec extends PersistedOperation {
  token: string;
  /** Values the status filter takes. */
  statuses: string[];
  /** Connections sending the heaviest request the limits allow: a status list of `allowedListLength` values. */
  heavyConnections: number;
  allowedListLength: number;
  /** Connections sending the same with `refusedListLength` values, which the limits refuse. */
  refusedConnections: number;
  refusedListLength: number;
  /** The longest the flood may last; it stops earlier when told to. */
  maxSeconds: number;
}

/** How the flood's requests of one kind ended. */
export interface FloodOutcomes {
  sent: number;
  /** HTTP 200 with data and no errors. */
  answered: number;
  /** By code and the limit the refusal names, e.g. {RATE_LIMITED: {requests: 10, inFlightPerCaller: 2}}. */
  refused: Record<string, Record<string, number>>;
  /** Anything else: a 200 with errors, another status or code, a connection error, a timeout; by kind. */
  errors: Record<string, number>;
  /** Of the answered requests, ms. */
  answeredLatency: LatencySummary;
}

export interface FloodResult {
  seconds: number;
  heavy: FloodOutcomes;
  refusedLists: FloodOutcomes;
  /** Heavy requests answered in each second of the flood. */
  answeredPerSecond: number[];
  /** When the first request was refused with RATE_LIMITED, s after the flood began. */
  firstRateLimitedAtSeconds?: number;
  /** The RateLimit header of the flood's last answer: how much of its request budget was left. */
  lastRateLimitHeader?: string;
  errorExample?: string;
}

/** Codes that are the limits doing their work; any other outcome of a flood request is an error. */
const REFUSAL_CODES = new Set(['OPERATION_LIMIT_EXCEEDED', 'RATE_LIMITED']);

/**
 * The flood: one caller of another tenant, on many connections, as fast as the gateway answers, until `stop`
 * resolves (or `maxSeconds` have passed). Half the connections send the heaviest request its limits allow, half
 * the same with a list the limits refuse. Every request's list is in an order no other request has, so no
 * deduplication can merge two of them.
 */
export async function floodLoad(spec: FloodSpec, stop: Promise<void>): Promise<FloodResult> {
  const started = performance.now();
  const answeredPerSecond: number[] = [];
  const result: Omit<FloodResult, 'heavy' | 'refusedLists' | 'seconds'> = { answeredPerSecond };
  let sequence = 0;
  const run = async (connections: number, listLength: number, countPerSecond: boolean): Promise<FloodOutcomes> => {
    const outcomes: FloodOutcomes = { sent: 0, answered: 0, refused: {}, errors: {}, answeredLatency: NO_LATENCY };
    if (connections === 0) return outcomes;
    const latencies: number[] = [];
    const error = (kind: string, example: string) => {
      outcomes.errors[kind] = (outcomes.errors[kind] ?? 0) + 1;
      result.errorExample ??= example.slice(0, 500);
    };
    const instance = autocannon({
      url: spec.url,
      connections,
      duration: spec.maxSeconds,
      timeout: REQUEST_TIMEOUT_MS / 1000,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${spec.token}` },
          setupRequest: (request) => ({ ...request, body: floodBody(spec, listLength, sequence++) }),
          onResponse: (status, body, _context, headers) => {
            const rateLimit = headers.ratelimit;
            if (typeof rateLimit === 'string') result.lastRateLimitHeader = rateLimit;
            if (status === 200 && !body.includes('"errors"')) {
              outcomes.answered += 1;
              if (countPerSecond) {
                const second = Math.floor((performance.now() - started) / 1000);
                answeredPerSecond[second] = (answeredPerSecond[second] ?? 0) + 1;
              }
              return;
            }
            const firstError = (parseJson(body) as { errors?: Array<{ extensions?: { code?: string; limit?: string } }> } | undefined)?.errors?.[0];
            const code = firstError?.extensions?.code ?? '(no code)';
            if (status !== 200 && REFUSAL_CODES.has(code)) {
              const limit = firstError?.extensions?.limit ?? '(no limit named)';
              const byLimit = (outcomes.refused[code] ??= {});
              byLimit[limit] = (byLimit[limit] ?? 0) + 1;
              if (code === 'RATE_LIMITED') result.firstRateLimitedAtSeconds ??= (performance.now() - started) / 1000;
            } else {
              error(`HTTP ${status} ${code}`, `HTTP ${status}: ${body}`);
            }
          },
        },
      ],
    });
    void stop.then(() => instance.stop());
    instance.on('response', (_client, status, _bytes, responseTime) => {
      if (status === 200) latencies.push(responseTime);
    });
    const finished = await instance;
    outcomes.sent = finished.requests.sent;
    if (finished.timeouts > 0) outcomes.errors.timeout = finished.timeouts;
    if (finished.errors - finished.timeouts > 0) outcomes.errors['connection error'] = finished.errors - finished.timeouts;
    outcomes.answeredLatency = summarizeLatency(latencies);
    return outcomes;
  };
  const [heavy, refusedLists] = await Promise.all([
    run(spec.heavyConnections, spec.allowedListLength, true),
    run(spec.refusedConnections, spec.refusedListLength, false),
  ]);
  for (let second = 0; second < answeredPerSecond.length; second++) answeredPerSecond[second] ??= 0;
  return { seconds: (performance.now() - started) / 1000, heavy, refusedLists, ...result };
}

/** Digits of the sequence number that set the first values of the list: 5^12 lists, no two alike. */
const DISTINCT_PREFIX = 12;

/** The JSON of a list's values after the distinct prefix, by list length: the same for every request. */
const tails = new Map<number, string>();

/**
 * The flood's request body: the status list is the statuses in turn, except that its first values spell the
 * sequence number in base `statuses.length`, so no two requests carry the same variables.
 */
export function floodBody(spec: Pick<FloodSpec, 'operationName' | 'id' | 'statuses'>, length: number, sequence: number): string {
  const base = spec.statuses.length;
  const head = Array.from({ length: Math.min(length, DISTINCT_PREFIX) }, (_, index) => JSON.stringify(spec.statuses[(index + Math.floor(sequence / base ** index)) % base]));
  let tail = tails.get(length);
  if (tail === undefined) {
    tail = Array.from({ length: Math.max(0, length - DISTINCT_PREFIX) }, (_, index) => `,${JSON.stringify(spec.statuses[(index + DISTINCT_PREFIX) % base])}`).join('');
    tails.set(length, tail);
  }
  const variables = `{"status":[${head.join(',')}${tail}]}`;
  return `{"operationName":${JSON.stringify(spec.operationName)},"variables":${variables},"extensions":{"persistedQuery":{"version":1,"sha256Hash":${JSON.stringify(spec.id)}}}}`;
}

const NO_LATENCY: LatencySummary = { p50: NaN, p95: NaN, p99: NaN, max: NaN };

export function summarizeLatency(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Math.round(percentile(sorted, p) * 100) / 100;
  return { p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}

function codeIn(body: string): string {
  const parsed = parseJson(body) as { errors?: Array<{ extensions?: { code?: string } }> } | undefined;
  return parsed?.errors?.[0]?.extensions?.code ?? '(no code)';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
