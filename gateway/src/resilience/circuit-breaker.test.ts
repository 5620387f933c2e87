import type { ServerResponse } from 'node:http';
import { ErrorCode } from '../../../lib/errors';
import { fetchChain } from '../pipeline/pipeline';
import { SubgraphClient } from '../pipeline/subgraph-client';
import { SubgraphRequestError } from '../pipeline/subgraph-errors';
import { silentLogger } from '../pipeline/test-fixtures';
import { CircuitBreaker, type CircuitState } from './circuit-breaker';
import { RESILIENCE_DEFAULTS } from './config';
import { useResilience, type ResilienceOptions, type ResiliencePlugin, type SubgraphAttempt } from '.';
import {
  answerOk,
  closedPort,
  eventually,
  sendFetch,
  sendJson,
  startCountingServer,
  type CountingServer,
  type Handler,
  type HealthHandler,
} from './test-servers';

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

  it('counts a failed health check like a failed call while closed, and nothing else', () => {
    const { circuit, clock } = breaker(2);
    circuit.reportFailure();
    circuit.tryAcquire()!.succeeded();
    circuit.reportFailure();
    expect(circuit.state()).toBe('closed');
    circuit.reportFailure();
    expect(circuit.state()).toBe('open');
    clock.advance(COOLDOWN_MS);
    // Half-open: only the probe's own outcome decides.
    circuit.reportFailure();
    expect(circuit.state()).toBe('half-open');
    circuit.tryAcquire()!.succeeded();
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

describe('the circuit of a subgraph, in useResilience', () => {
  const servers: CountingServer[] = [];
  const clients: SubgraphClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function serve(handler: Handler, health?: HealthHandler): Promise<CountingServer> {
    const server = await startCountingServer(handler, health);
    servers.push(server);
    return server;
  }

  /** A subgraph that answers 503 while `healthy` is false. */
  async function switchableServer() {
    const control = { healthy: false };
    const server = await serve((request, response, n) =>
      control.healthy ? answerOk(request, response, n, '') : sendJson(response, 503, { errors: [{ message: 'unavailable' }] }),
    );
    return { server, control };
  }

  /** useResilience for subgraph "assets" with a clock the test moves, recording attempts and circuit changes. */
  function resilienceWithClock(options: Partial<ResilienceOptions> = {}) {
    const clock = manualClock();
    const attempts: SubgraphAttempt[] = [];
    const changes: Array<{ subgraph: string; from: CircuitState; to: CircuitState }> = [];
    const resilience = useResilience({
      ...RESILIENCE_DEFAULTS,
      breakerFailureThreshold: 3,
      breakerCooldownMs: COOLDOWN_MS,
      retries: 0,
      backoffBaseMs: 1,
      now: clock.now,
      onAttempt: (attempt) => attempts.push(attempt),
      onBreakerChange: (change) => changes.push(change),
      ...options,
    });
    return { resilience, clock, attempts, changes };
  }

  /** A client for "assets" at `url`, its calls guarded by `resilience` (one circuit per subgraph, whatever its URL). */
  function clientAt(url: string, resilience: ResiliencePlugin): SubgraphClient {
    const client = new SubgraphClient({ subgraph: 'assets', url, chain: fetchChain([resilience]), logger: silentLogger });
    clients.push(client);
    return client;
  }

  async function refusal(call: Promise<unknown>): Promise<SubgraphRequestError> {
    const error = await call.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(SubgraphRequestError);
    return error as SubgraphRequestError;
  }

  it('opens after the threshold, fails fast without touching the subgraph, probes after the cooldown and closes', async () => {
    const { server, control } = await switchableServer();
    const { resilience, clock, attempts, changes } = resilienceWithClock();
    const client = clientAt(server.url, resilience);
    for (let i = 0; i < 3; i++) expect((await refusal(sendFetch(client, QUERY))).status).toBe(503);
    expect(resilience.breakerState('assets')).toBe('open');
    expect(server.requests).toBe(3);

    const error = await refusal(sendFetch(client, QUERY));
    expect(error.message).toBe('Subgraph "assets" is unavailable (circuit open after repeated failures); try again later');
    expect(error.failure).toBe('circuit_open');
    expect(error.extensions).toEqual({ code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'assets' });
    expect(server.requests).toBe(3);
    expect(attempts.at(-1)).toEqual({ subgraph: 'assets', outcome: 'circuit_open', attempt: 1, durationMs: 0 });

    clock.advance(COOLDOWN_MS);
    expect(resilience.breakerState('assets')).toBe('half-open');
    control.healthy = true;
    expect(await sendFetch(client, QUERY)).toEqual({ data: { ok: true } });
    expect(resilience.breakerState('assets')).toBe('closed');
    expect(server.requests).toBe(4);
    expect(changes).toEqual([
      { subgraph: 'assets', from: 'closed', to: 'open' },
      { subgraph: 'assets', from: 'open', to: 'half-open' },
      { subgraph: 'assets', from: 'half-open', to: 'closed' },
    ]);
  });

  it('keeps one circuit per subgraph: another subgraph stays closed', async () => {
    const { server } = await switchableServer();
    const healthyOther = await serve(answerOk);
    const { resilience } = resilienceWithClock();
    const other = new SubgraphClient({ subgraph: 'identity', url: healthyOther.url, chain: fetchChain([resilience]), logger: silentLogger });
    clients.push(other);
    for (let i = 0; i < 3; i++) await refusal(sendFetch(clientAt(server.url, resilience), QUERY));
    expect(resilience.breakerState('assets')).toBe('open');
    expect(resilience.breakerState('identity')).toBe('closed');
    expect(await sendFetch(other, QUERY)).toEqual({ data: { ok: true } });
    // A subgraph not called yet reads as closed.
    expect(resilience.breakerState('never-called')).toBe('closed');
  });

  it('re-opens when the probe fails, and the probe is a single request even for a query', async () => {
    const { server } = await switchableServer();
    const { resilience, clock } = resilienceWithClock({ retries: 2 });
    const client = clientAt(server.url, resilience);
    for (let i = 0; i < 3; i++) await refusal(sendFetch(client, QUERY));
    expect(resilience.breakerState('assets')).toBe('open');
    const sentBeforeProbe = server.requests;

    clock.advance(COOLDOWN_MS);
    expect((await refusal(sendFetch(client, QUERY))).status).toBe(503);
    expect(server.requests).toBe(sentBeforeProbe + 1);
    expect(resilience.breakerState('assets')).toBe('open');
    expect((await refusal(sendFetch(client, QUERY))).failure).toBe('circuit_open');
    expect(server.requests).toBe(sentBeforeProbe + 1);
  });

  it('refuses other calls while the probe is in flight', async () => {
    let answerProbe: (response: ServerResponse) => void = () => undefined;
    const probeArrived = new Promise<ServerResponse>((resolve) => (answerProbe = resolve));
    const server = await serve((_request, response) => answerProbe(response));
    const { resilience, clock } = resilienceWithClock();
    const unreachable = clientAt(`http://127.0.0.1:${await closedPort()}/graphql`, resilience);
    for (let i = 0; i < 3; i++) await refusal(sendFetch(unreachable, QUERY));
    expect(resilience.breakerState('assets')).toBe('open');

    clock.advance(COOLDOWN_MS);
    const client = clientAt(server.url, resilience);
    const probe = sendFetch(client, QUERY);
    const heldProbe = await probeArrived;
    expect((await refusal(sendFetch(client, QUERY))).failure).toBe('circuit_open');
    sendJson(heldProbe, 200, { data: { ok: true } });
    expect(await probe).toEqual({ data: { ok: true } });
    expect(resilience.breakerState('assets')).toBe('closed');
    expect(server.requests).toBe(1);
  });

  it('is not left half-open when a hook throws during the probe', async () => {
    const { server, control } = await switchableServer();
    let hookFails = false;
    const { resilience, clock } = resilienceWithClock({
      onAttempt: () => {
        if (hookFails) throw new Error('metrics hook failed');
      },
    });
    const client = clientAt(server.url, resilience);
    for (let i = 0; i < 3; i++) await refusal(sendFetch(client, QUERY));
    clock.advance(COOLDOWN_MS);
    control.healthy = true;
    hookFails = true;
    await expect(sendFetch(client, QUERY)).rejects.toThrow('metrics hook failed');
    expect(resilience.breakerState('assets')).toBe('half-open');
    hookFails = false;
    expect(await sendFetch(client, QUERY)).toEqual({ data: { ok: true } });
    expect(resilience.breakerState('assets')).toBe('closed');
  });

  it('does not count against the subgraph a hook that fails once after a good answer', async () => {
    const healthy = await serve(answerOk);
    let failures = 1;
    const { resilience } = resilienceWithClock({
      breakerFailureThreshold: 1,
      onAttempt: () => {
        if (failures-- > 0) throw new Error('metrics hook failed');
      },
    });
    const client = clientAt(healthy.url, resilience);
    await expect(sendFetch(client, QUERY)).rejects.toThrow('metrics hook failed');
    expect(resilience.breakerState('assets')).toBe('closed');
    expect(await sendFetch(client, QUERY)).toEqual({ data: { ok: true } });
  });

  it('does not count answers with a 4xx: the subgraph is up', async () => {
    const rejecting = await serve((_request, response) => sendJson(response, 400, { errors: [{ message: 'bad' }] }));
    const { resilience } = resilienceWithClock();
    const client = clientAt(rejecting.url, resilience);
    for (let i = 0; i < 10; i++) expect((await refusal(sendFetch(client, QUERY))).status).toBe(400);
    expect(resilience.breakerState('assets')).toBe('closed');
  });

  it('does not count a body that is not a GraphQL response: the subgraph answered', async () => {
    const garbled = await serve((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'));
    const { resilience } = resilienceWithClock();
    const client = clientAt(garbled.url, resilience);
    for (let i = 0; i < 5; i++) expect((await refusal(sendFetch(client, QUERY))).failure).toBe('bad_response');
    expect(resilience.breakerState('assets')).toBe('closed');
  });

  it('counts refused connections', async () => {
    const { resilience } = resilienceWithClock();
    const client = clientAt(`http://127.0.0.1:${await closedPort()}/graphql`, resilience);
    for (let i = 0; i < 3; i++) expect((await refusal(sendFetch(client, QUERY))).failure).toBe('unreachable');
    expect(resilience.breakerState('assets')).toBe('open');
  });

  it("does not count a timeout while the subgraph's /healthz answers: one caller's slow requests open nobody's circuit", async () => {
    const hanging = await serve(() => undefined);
    // Each check is answered at once; 150 ms leaves it time to settle before the next call times out.
    const { resilience } = resilienceWithClock({ timeoutMs: 150 });
    const client = clientAt(hanging.url, resilience);
    for (let i = 0; i < 4; i++) {
      expect((await refusal(sendFetch(client, QUERY))).failure).toBe('timeout');
      // Each timeout asks /healthz; wait for its answer before the next call.
      await eventually(() => hanging.healthChecks === i + 1);
    }
    await new Promise(setImmediate);
    expect(resilience.breakerState('assets')).toBe('closed');
  });

  it('counts a timeout when the subgraph\'s /healthz then fails or does not answer', async () => {
    for (const health of [(response: ServerResponse) => sendJson(response, 503, { status: 'down' }), () => undefined]) {
      const hanging = await serve(() => undefined, health);
      const { resilience } = resilienceWithClock({ timeoutMs: 50, healthTimeoutMs: 100, breakerFailureThreshold: 1 });
      expect((await refusal(sendFetch(clientAt(hanging.url, resilience), QUERY))).failure).toBe('timeout');
      await eventually(() => resilience.breakerState('assets') === 'open');
      expect(hanging.healthChecks).toBe(1);
    }
  });

  it('asks /healthz once for a burst of timeouts, and counts its failure once', async () => {
    const held: ServerResponse[] = [];
    const failHealthCheck = () => sendJson(held.shift()!, 503, { status: 'down' });
    const hanging = await serve(
      () => undefined,
      (response) => held.push(response),
    );
    const { resilience } = resilienceWithClock({ timeoutMs: 150, breakerFailureThreshold: 2 });
    const client = clientAt(hanging.url, resilience);
    await Promise.all(Array.from({ length: 5 }, () => refusal(sendFetch(client, QUERY))));
    await eventually(() => hanging.healthChecks === 1);
    failHealthCheck();
    // The next timeout asks again only once that check settled; its failure was counted once, so still closed.
    await refusal(sendFetch(client, QUERY));
    await eventually(() => hanging.healthChecks === 2);
    expect(resilience.breakerState('assets')).toBe('closed');
    failHealthCheck();
    await eventually(() => resilience.breakerState('assets') === 'open');
  });

  it('counts a call once, after its retries', async () => {
    const { server } = await switchableServer();
    const { resilience } = resilienceWithClock({ retries: 2 });
    const client = clientAt(server.url, resilience);
    await refusal(sendFetch(client, QUERY));
    await refusal(sendFetch(client, QUERY));
    expect(server.requests).toBe(6);
    expect(resilience.breakerState('assets')).toBe('closed');
    await refusal(sendFetch(client, QUERY));
    expect(resilience.breakerState('assets')).toBe('open');
  });
});
