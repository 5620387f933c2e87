import type { ServerResponse } from 'node:http';
import { ErrorCode } from '../../lib/errors';
import { CircuitBreaker, type CircuitState } from '../src/resilience/circuit-breaker';
import {
  createSubgraphFetcher,
  SubgraphRequestError,
  type CircuitStateChange,
  type SubgraphFetchEvent,
  type SubgraphFetcher,
  type SubgraphFetcherOptions,
} from '../src/resilience';
import { answerOk, closedPort, postInit, sendJson, startCountingServer, type CountingServer } from './resilience-servers';

const QUERY = 'query { incidents(first: 1) { totalCount } }';
const COOLDOWN_MS = 10_000;

/** A clock the test moves by hand. */
function manualClock() {
  let time = 1_000;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe('CircuitBreaker', () => {
  function breaker(failureThreshold = 3) {
    const clock = manualClock();
    const circuit = new CircuitBreaker({ failureThreshold, cooldownMs: COOLDOWN_MS, now: clock.now });
    const transitions: string[] = [];
    circuit.onStateChange((to, from) => transitions.push(`${from}->${to}`));
    return { circuit, clock, transitions };
  }

  function fail(circuit: CircuitBreaker, times: number): void {
    for (let i = 0; i < times; i++) circuit.tryAcquire()!.failed();
  }

  it('opens after the threshold of consecutive failures; a success in between starts the count again', () => {
    const { circuit, transitions } = breaker(3);
    fail(circuit, 2);
    circuit.tryAcquire()!.succeeded();
    fail(circuit, 2);
    expect(circuit.state()).toBe('closed');
    fail(circuit, 1);
    expect(circuit.state()).toBe('open');
    expect(transitions).toEqual(['closed->open']);
  });

  it('refuses while open, lets exactly one probe through after the cooldown, and closes when it succeeds', () => {
    const { circuit, clock, transitions } = breaker();
    fail(circuit, 3);
    clock.advance(COOLDOWN_MS - 1);
    expect(circuit.tryAcquire()).toBeNull();
    clock.advance(1);
    expect(circuit.state()).toBe('half-open');
    const probe = circuit.tryAcquire()!;
    expect(probe.probe).toBe(true);
    expect(circuit.tryAcquire()).toBeNull();
    probe.succeeded();
    expect(circuit.state()).toBe('closed');
    expect(circuit.tryAcquire()!.probe).toBe(false);
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('re-opens for another full cooldown when the probe fails', () => {
    const { circuit, clock, transitions } = breaker();
    fail(circuit, 3);
    clock.advance(COOLDOWN_MS);
    circuit.tryAcquire()!.failed();
    expect(circuit.state()).toBe('open');
    clock.advance(COOLDOWN_MS - 1);
    expect(circuit.state()).toBe('open');
    clock.advance(1);
    expect(circuit.state()).toBe('half-open');
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->open', 'open->half-open']);
  });

  it('lets the next call probe when a probe was abandoned by its caller', () => {
    const { circuit, clock } = breaker();
    fail(circuit, 3);
    clock.advance(COOLDOWN_MS);
    circuit.tryAcquire()!.abandoned();
    expect(circuit.state()).toBe('half-open');
    expect(circuit.tryAcquire()!.probe).toBe(true);
  });

  it('ignores the outcome of a call admitted before the circuit changed state, and a second settlement', () => {
    const { circuit, clock } = breaker(2);
    const early = circuit.tryAcquire()!;
    fail(circuit, 2);
    clock.advance(COOLDOWN_MS);
    circuit.tryAcquire()!.succeeded();
    expect(circuit.state()).toBe('closed');
    // Admitted long before: its failure says nothing about the subgraph now.
    early.failed();
    const once = circuit.tryAcquire()!;
    once.failed();
    once.failed();
    expect(circuit.state()).toBe('closed');
  });

  it('stops calling a listener once unsubscribed', () => {
    const circuit = new CircuitBreaker({ failureThreshold: 1, cooldownMs: COOLDOWN_MS, now: manualClock().now });
    const seen: CircuitState[] = [];
    const unsubscribe = circuit.onStateChange((to) => seen.push(to));
    unsubscribe();
    circuit.tryAcquire()!.failed();
    expect(seen).toEqual([]);
  });
});

describe('the circuit of a subgraph fetcher', () => {
  const servers: CountingServer[] = [];
  const fetchers: SubgraphFetcher[] = [];

  afterEach(async () => {
    await Promise.all(fetchers.splice(0).map((fetcher) => fetcher.close()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  /** A subgraph that answers 503 while `healthy` is false. */
  async function switchableServer() {
    const control = { healthy: false };
    const server = await startCountingServer((request, response, n) =>
      control.healthy ? answerOk(request, response, n, '') : sendJson(response, 503, { errors: [{ message: 'unavailable' }] }),
    );
    servers.push(server);
    return { server, control };
  }

  function fetcherWithClock(options: Partial<SubgraphFetcherOptions> = {}) {
    const clock = manualClock();
    const events: SubgraphFetchEvent[] = [];
    const changes: CircuitStateChange[] = [];
    const fetcher = createSubgraphFetcher({
      subgraph: 'assets',
      breakerFailureThreshold: 3,
      breakerCooldownMs: COOLDOWN_MS,
      retries: 0,
      backoffBaseMs: 1,
      now: clock.now,
      onFetch: (event) => events.push(event),
      ...options,
    });
    fetcher.onStateChange((change) => changes.push(change));
    fetchers.push(fetcher);
    return { fetcher, clock, events, changes };
  }

  async function refusal(fetcher: SubgraphFetcher, url: string): Promise<SubgraphRequestError> {
    const error = await fetcher(url, postInit(QUERY)).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(SubgraphRequestError);
    return error as SubgraphRequestError;
  }

  it('opens after the threshold, fails fast without touching the subgraph, probes after the cooldown and closes', async () => {
    const { server, control } = await switchableServer();
    const { fetcher, clock, events, changes } = fetcherWithClock();
    for (let i = 0; i < 3; i++) expect((await fetcher(server.url, postInit(QUERY))).status).toBe(503);
    expect(fetcher.state()).toBe('open');
    expect(server.requests).toBe(3);

    const error = await refusal(fetcher, server.url);
    expect(error.message).toBe('Subgraph "assets" is unavailable (circuit open after repeated failures); try again later');
    expect(error.failure).toBe('circuit_open');
    expect(error.extensions).toEqual({ code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'assets' });
    expect(server.requests).toBe(3);
    expect(events.at(-1)).toEqual({ subgraph: 'assets', outcome: 'circuit_open', attempt: 1, durationMs: 0 });

    clock.advance(COOLDOWN_MS);
    expect(fetcher.state()).toBe('half-open');
    control.healthy = true;
    expect((await fetcher(server.url, postInit(QUERY))).status).toBe(200);
    expect(fetcher.state()).toBe('closed');
    expect(server.requests).toBe(4);
    expect(changes).toEqual([
      { subgraph: 'assets', from: 'closed', to: 'open' },
      { subgraph: 'assets', from: 'open', to: 'half-open' },
      { subgraph: 'assets', from: 'half-open', to: 'closed' },
    ]);
  });

  it('re-opens when the probe fails, and the probe is a single request even for a query', async () => {
    const { server } = await switchableServer();
    const { fetcher, clock } = fetcherWithClock({ retries: 2 });
    for (let i = 0; i < 3; i++) await fetcher(server.url, postInit(QUERY));
    expect(fetcher.state()).toBe('open');
    const sentBeforeProbe = server.requests;

    clock.advance(COOLDOWN_MS);
    expect((await fetcher(server.url, postInit(QUERY))).status).toBe(503);
    expect(server.requests).toBe(sentBeforeProbe + 1);
    expect(fetcher.state()).toBe('open');
    await refusal(fetcher, server.url);
    expect(server.requests).toBe(sentBeforeProbe + 1);
  });

  it('refuses other calls while the probe is in flight', async () => {
    let answerProbe: (response: ServerResponse) => void = () => undefined;
    const probeArrived = new Promise<ServerResponse>((resolve) => (answerProbe = resolve));
    const server = await startCountingServer((_request, response) => answerProbe(response));
    servers.push(server);
    const { fetcher, clock } = fetcherWithClock();
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    for (let i = 0; i < 3; i++) await refusal(fetcher, url);
    expect(fetcher.state()).toBe('open');

    clock.advance(COOLDOWN_MS);
    const probe = fetcher(server.url, postInit(QUERY));
    const heldProbe = await probeArrived;
    expect((await refusal(fetcher, server.url)).failure).toBe('circuit_open');
    sendJson(heldProbe, 200, { data: { ok: true } });
    expect((await probe).status).toBe(200);
    expect(fetcher.state()).toBe('closed');
    expect(server.requests).toBe(1);
  });

  it('is not left half-open when a hook throws during the probe', async () => {
    const { server, control } = await switchableServer();
    let hookFails = false;
    const { fetcher, clock } = fetcherWithClock({
      onFetch: () => {
        if (hookFails) throw new Error('metrics hook failed');
      },
    });
    for (let i = 0; i < 3; i++) await fetcher(server.url, postInit(QUERY));
    clock.advance(COOLDOWN_MS);
    control.healthy = true;
    hookFails = true;
    await expect(fetcher(server.url, postInit(QUERY))).rejects.toThrow('metrics hook failed');
    expect(fetcher.state()).toBe('half-open');
    hookFails = false;
    expect((await fetcher(server.url, postInit(QUERY))).status).toBe(200);
    expect(fetcher.state()).toBe('closed');
  });

  it('does not count answers with a 4xx: the subgraph is up', async () => {
    const rejecting = await startCountingServer((_request, response) => sendJson(response, 400, { errors: [{ message: 'bad' }] }));
    servers.push(rejecting);
    const { fetcher } = fetcherWithClock();
    for (let i = 0; i < 10; i++) expect((await fetcher(rejecting.url, postInit(QUERY))).status).toBe(400);
    expect(fetcher.state()).toBe('closed');
  });

  it('counts refused connections', async () => {
    const { fetcher } = fetcherWithClock();
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    for (let i = 0; i < 3; i++) expect((await refusal(fetcher, url)).failure).toBe('unreachable');
    expect(fetcher.state()).toBe('open');
  });

  it('counts timeouts', async () => {
    const hanging = await startCountingServer(() => undefined);
    servers.push(hanging);
    const { fetcher } = fetcherWithClock({ timeoutMs: 50 });
    for (let i = 0; i < 3; i++) expect((await refusal(fetcher, hanging.url)).failure).toBe('timeout');
    expect(fetcher.state()).toBe('open');
  });

  it('counts a call once, after its retries', async () => {
    const { server } = await switchableServer();
    const { fetcher } = fetcherWithClock({ retries: 2 });
    await fetcher(server.url, postInit(QUERY));
    await fetcher(server.url, postInit(QUERY));
    expect(server.requests).toBe(6);
    expect(fetcher.state()).toBe('closed');
    await fetcher(server.url, postInit(QUERY));
    expect(fetcher.state()).toBe('open');
  });
});
