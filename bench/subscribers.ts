// The subscribers of --subscriptions: graphql-ws clients, one WebSocket connection each, in a process of their
// own (bench/subscribers-child.ts), recording when each event reached each of them.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { round } from './measure';

/**
 * Lines of the child's protocol: it prints OPENED and RESULT lines, and reads "go" and "stop <expected>". Its result
 * (some hundred KB) goes to a file, RESULT naming it.
 */
export const OPENED_LINE_PREFIX = 'OPENED ';
export const RESULT_LINE_PREFIX = 'RESULT ';
export const GO_LINE = 'go';
export const STOP_LINE_PREFIX = 'stop ';

export interface SubscribersSpec {
  /** The gateway's /graphql as a ws:// URL. */
  url: string;
  operationName: string;
  /** The subscription's persisted id: A enforces its manifest. */
  documentId: string;
  subscribers: Array<{ tenant: string; token: string }>;
  /** Connections opened per second, evenly spaced. */
  openPerSecond: number;
  /** How long opening them all may take, beyond the pacing. */
  openMarginMs: number;
  /** After "stop": the longest wait for the deliveries still expected. */
  drainMs: number;
  /** Where the result is written. */
  resultPath: string;
}

export interface OpenedReport {
  acknowledged: number;
  failed: number;
  seconds: number;
  /** Why connections failed (close codes and reasons, errors), with counts. */
  failures: Record<string, number>;
}

/** When the subscribers of one tenant received one event: how many of them, the first and the last (epoch ms). */
export interface Receipts {
  count: number;
  first: number;
  last: number;
}

export interface EventReceipts {
  /** The event's id (`<incident uid>:<sequence>`). */
  id: string;
  /** The incident's uid, as the event carried it. */
  uid: string;
  /** By the tenant of the subscribers that received it. */
  byTenant: Record<string, Receipts>;
}

export interface SubscriberReport {
  tenant: string;
  /** Events received for the first time. */
  received: number;
  /** Events whose sequence was not above the last one received for the same incident: repeated or out of order. */
  repeated: number;
  /** Messages with errors, by code. */
  errors: Record<string, number>;
  /** How the subscription ended before the run did (an error, a completion, a closed connection). */
  ended?: string;
}

export interface SubscribersResult {
  /** By `<incident uid>|<at>`: the commit time of a change is its incident's updatedAt in the mutation's answer. */
  events: Record<string, EventReceipts>;
  subscribers: SubscriberReport[];
  /** Between "go" and the result: this process's CPU, % of one core, and its event-loop delay, ms (10 ms sampling). */
  cpuPercent: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Whether every expected delivery arrived before the drain bound. */
  drained: boolean;
}

/** The key of a change: its incident and its commit time, which the mutation's answer (updatedAt) also carries. */
export function changeKey(uid: string, at: string): string {
  return `${uid}|${at}`;
}

interface Change {
  id: string;
  at: string;
  sequence: number;
  incident: { uid: string };
}

interface Payload {
  data?: { incidentChanged?: Change | null } | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/**
 * Opens every subscriber's connection and subscription, paced, then records what arrives until told to stop.
 * `opened` is called once every connection was acknowledged or failed (or the bound passed); `go` resolves when the
 * measured stream begins and `stop` with the number of deliveries to wait for.
 */
export async function runSubscribers(
  spec: SubscribersSpec,
  control: { opened(report: OpenedReport): void; go: Promise<void>; stop: Promise<number> },
): Promise<SubscribersResult> {
  const events = new Map<string, EventReceipts>();
  const reports: SubscriberReport[] = [];
  const clients: Client[] = [];
  let delivered = 0;
  let acknowledged = 0;
  const failures: Record<string, number> = {};
  const fail = (reason: string) => (failures[reason] = (failures[reason] ?? 0) + 1);

  const openStarted = Date.now();
  const acknowledgements: Array<Promise<void>> = [];
  const interval = 1000 / spec.openPerSecond;
  for (let index = 0; index < spec.subscribers.length; index++) {
    const wait = openStarted + index * interval - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const { tenant, token } = spec.subscribers[index];
    const report: SubscriberReport = { tenant, received: 0, repeated: 0, errors: {} };
    reports.push(report);
    const lastSequence = new Map<string, number>();
    let acknowledge: () => void = () => undefined;
    acknowledgements.push(new Promise<void>((resolve) => (acknowledge = resolve)));
    const client = createClient({
      url: spec.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: true,
      // A dropped connection is a finding, not something to paper over.
      retryAttempts: 0,
      on: {
        connected: () => {
          acknowledged++;
          acknowledge();
        },
        closed: (event) => {
          const { code, reason } = event as { code?: number; reason?: string };
          const why = `closed ${code ?? '?'}${reason ? ` ${reason}` : ''}`;
          report.ended ??= why;
          acknowledge();
        },
        error: (error) => {
          report.ended ??= `error ${error instanceof Error ? error.message : String(error)}`;
          acknowledge();
        },
      },
    });
    clients.push(client);
    client.subscribe<Payload['data']>(
      { query: '', operationName: spec.operationName, extensions: { persistedQuery: { version: 1, sha256Hash: spec.documentId } } },
      {
        next: (value: Payload) => {
          const now = Date.now();
          for (const error of value.errors ?? []) {
            const code = String(error.extensions?.code ?? 'NO_CODE');
            report.errors[code] = (report.errors[code] ?? 0) + 1;
          }
          const change = value.data?.incidentChanged;
          if (!change) return;
          const uid = change.incident.uid;
          if (change.sequence <= (lastSequence.get(uid) ?? 0)) {
            report.repeated++;
            return;
          }
          lastSequence.set(uid, change.sequence);
          report.received++;
          delivered++;
          const key = changeKey(uid, change.at);
          let receipts = events.get(key);
          if (!receipts) events.set(key, (receipts = { id: change.id, uid, byTenant: {} }));
          const mine = receipts.byTenant[tenant];
          if (!mine) receipts.byTenant[tenant] = { count: 1, first: now, last: now };
          else {
            mine.count++;
            mine.last = Math.max(mine.last, now);
            mine.first = Math.min(mine.first, now);
          }
        },
        error: (error: unknown) => {
          report.ended ??= `subscription error ${describe(error)}`;
        },
        complete: () => {
          report.ended ??= 'completed';
        },
      },
    );
  }
  let bound: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(acknowledgements), new Promise((resolve) => (bound = setTimeout(resolve, spec.openMarginMs)))]);
  clearTimeout(bound);
  for (const report of reports) if (report.ended) fail(report.ended);
  control.opened({ acknowledged, failed: reports.length - acknowledged, seconds: round((Date.now() - openStarted) / 1000, 1), failures });

  await control.go;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  const expected = await control.stop;
  const drainUntil = Date.now() + spec.drainMs;
  while (delivered < expected && Date.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 50));
  const drained = delivered >= expected;
  // What arrives just after (repeats, strays) is counted too.
  await new Promise((resolve) => setTimeout(resolve, 500));
  loopDelay.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = Date.now() - started;
  const ms = (nanoseconds: number) => round(nanoseconds / 1e6, 1);
  const result: SubscribersResult = {
    events: Object.fromEntries(events),
    subscribers: reports,
    cpuPercent: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100, 0),
    loopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
    drained,
  };
  await Promise.all(clients.map((client) => client.dispose()));
  return result;
}

function describe(error: unknown): string {
  if (Array.isArray(error)) return error.map((e: { message?: string; extensions?: { code?: string } }) => e.extensions?.code ?? e.message).join(', ');
  if (error instanceof Error) return error.message;
  const close = error as { code?: number; reason?: string };
  if (typeof close?.code === 'number') return `closed ${close.code} ${close.reason ?? ''}`.trim();
  return String(error);
}
