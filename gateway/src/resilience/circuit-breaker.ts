export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failed calls that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before it lets one probe through. */
  cooldownMs: number;
  /** Milliseconds since some fixed point; tests pass a clock they move. */
  now?: () => number;
}

export type CircuitStateListener = (to: CircuitState, from: CircuitState) => void;

/** Leave to send one call. Settle it once with the call's outcome; later settlements are ignored. */
export interface CircuitPermit {
  /** The one call a half-open circuit lets through; its outcome alone closes or re-opens the circuit. */
  readonly probe: boolean;
  succeeded(): void;
  failed(): void;
  /** The call was given up by its caller before an outcome: it says nothing about the subgraph. */
  abandoned(): void;
}

/**
 * Consecutive-failure circuit breaker: closed -> open after `failureThreshold` failed calls in a row (a success
 * resets the count), open refuses every call, and after `cooldownMs` the next call goes through as a probe
 * (half-open) while the others are still refused; the probe's success closes the circuit, its failure re-opens
 * it for another cooldown. Consecutive failures rather than a ratio over a window: a subgraph serves a steady
 * stream of small calls, so a run of failures is an outage, and one counter has no window size to tune.
 * The open -> half-open move is made when the state is next read (a call, /readyz, metrics), not on a timer.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  /** Moves on every transition, so an outcome of a call admitted under an earlier state is not counted. */
  private generation = 0;
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private readonly listeners = new Set<CircuitStateListener>();
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.cooldownMs) this.moveTo('half-open');
    return this.current;
  }

  /** A permit to send one call, or null when the circuit refuses it (open, or half-open with its probe out). */
  tryAcquire(): CircuitPermit | null {
    const state = this.state();
    if (state === 'open') return null;
    if (state === 'half-open') {
      if (this.probeInFlight) return null;
      this.probeInFlight = true;
      return this.permit(true);
    }
    return this.permit(false);
  }

  /**
   * A sign of the subgraph's health that no call's outcome gave (its /healthz failed): counted like a failed
   * call while the circuit is closed.
   */
  reportFailure(): void {
    if (this.state() === 'closed') this.settleCall('failure');
  }

  /** Calls the listener on every transition; returns a function that unsubscribes it. */
  onStateChange(listener: CircuitStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private permit(probe: boolean): CircuitPermit {
    const generation = this.generation;
    let settled = false;
    const settle = (outcome: 'success' | 'failure' | 'abandoned') => {
      if (settled) return;
      settled = true;
      if (probe) this.settleProbe(outcome);
      else if (generation === this.generation) this.settleCall(outcome);
    };
    return { probe, succeeded: () => settle('success'), failed: () => settle('failure'), abandoned: () => settle('abandoned') };
  }

  private settleProbe(outcome: 'success' | 'failure' | 'abandoned'): void {
    this.probeInFlight = false;
    if (outcome === 'success') this.moveTo('closed');
    else if (outcome === 'failure') this.moveTo('open');
  }

  private settleCall(outcome: 'success' | 'failure' | 'abandoned'): void {
    if (outcome === 'success') this.consecutiveFailures = 0;
    else if (outcome === 'failure' && ++this.consecutiveFailures >= this.options.failureThreshold) this.moveTo('open');
  }

  private moveTo(next: CircuitState): void {
    const previous = this.current;
    this.current = next;
    this.generation++;
    this.consecutiveFailures = 0;
    if (next === 'open') this.openedAt = this.now();
    for (const listener of this.listeners) listener(next, previous);
  }
}
