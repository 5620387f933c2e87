import { GraphQLError, type FormattedExecutionResult } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { ChangeEvent, ChangeSource } from '../../../lib/change-events/change-event';
import type { Logger } from '../../../lib/logger';
import { callerOf, type ClientKind, type Principal } from '../../../lib/principal';
import { formatError, refusal } from '../pipeline/errors';
import { GatewayRequest, OperationRequest, type OperationResult } from '../pipeline/request';
import type { SubscriptionLimits, SubscriptionsConfig } from './config';
import { DeliveryQueue, type Delivery } from './delivery-queue';
import { EVENT_ID_VARIABLE, eventQueryOf, type EventQuery } from './event-query';

/** What the hub needs of the pipeline: resolving an event's query, and telling behaviours a subscription ended. */
export interface SubscriptionPipeline {
  executeDerived(operation: OperationRequest): Promise<OperationResult>;
  reportSubscriptionEnd(operation: OperationRequest, reason: string): void;
}

export interface SubscriptionHubOptions extends Pick<SubscriptionsConfig, 'limits' | 'queueLength' | 'replayWindowSeconds'> {
  pipeline: SubscriptionPipeline;
  source: ChangeSource;
  logger: Logger;
  /** Production: no "Did you mean ...?" in any message. */
  hideSuggestions: boolean;
  /** Events one group may have heard and not yet delivered (BACKLOG_PER_GROUP when not given). */
  backlogPerGroup?: number;
  /** An event queued for `count` subscribers of a group, `lagMs` after it was committed. */
  onDelivered?: (lagMs: number, count: number) => void;
  onDropped?: (reason: string) => void;
  onActiveChange?: (kind: ClientKind, delta: 1 | -1) => void;
}

/** A registered subscription: the messages to send, and how to end it. */
export interface ActiveSubscription {
  stream: DeliveryQueue;
  end(reason: string): void;
}

/** The subscribers who receive the same answers: same event query, variables and authorization context. */
interface Group {
  key: string;
  topic: string;
  query: EventQuery;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  /** Whom each event is resolved as: the authorization context the group shares, no particular subject. */
  principal: Principal;
  subscribers: Set<Subscriber>;
  /** Deliveries of a group are made one after the other, in the order its events arrived. */
  chain: Promise<void>;
  /** Resolutions in flight (at most RESOLVING_PER_GROUP), and those waiting for a place, in arrival order. */
  resolving: number;
  waiting: Array<() => void>;
  /** Events heard and not yet delivered: at most backlogPerGroup, or the group is ended. */
  backlog: number;
}

interface Subscriber {
  operation: OperationRequest;
  group: Group;
  queue: DeliveryQueue;
  caller: string;
  expiry: NodeJS.Timeout | undefined;
  ended: boolean;
}

/** The subject every shared event execution is made as: it names nobody, so no field can answer for a person. */
export const SUBSCRIPTION_SUBJECT = 'palisade:subscriptions';
/** Change events already seen, by id: a redelivery (at least once) is dropped. */
const SEEN_EVENTS = 10_000;
/** Past events kept for resuming clients, whatever the window. */
const REPLAY_CAPACITY = 10_000;
/**
 * Events of one group resolved at once. Resolving one takes subgraph round trips; one at a time, a group could
 * never hear more events a second than one over that latency, however idle the gateway (25 a second with 40 ms
 * round trips). A few at once keep up; the bound keeps one group's burst from flooding the subgraphs.
 */
export const RESOLVING_PER_GROUP = 8;
/**
 * Events a group may have heard and not yet delivered. A burst (an ingested batch opening hundreds of incidents)
 * fits; a gateway that stays behind for longer ends the group's subscribers instead of holding ever more events.
 */
export const BACKLOG_PER_GROUP = 1_000;

/**
 * Serves subscriptions from change events. Each event is resolved once per group of subscribers that would get
 * the same answer (the same event query and variables, tenant, client kind, client and scopes), through the
 * pipeline's ordinary federated execution with that authorization context, and delivered to each subscriber of
 * the event's tenant whose answer is not null. A globex subscriber never hears of an acme event: events are
 * routed by tenant before anything is resolved. Bounded: subscriptions per caller, messages per subscriber.
 */
export class SubscriptionHub {
  private readonly groups = new Map<string, Group>();
  private readonly byTopic = new Map<string, Set<Group>>();
  private readonly perCaller = new Map<string, number>();
  private readonly connectionsPerCaller = new Map<string, number>();
  private readonly seen = new LRUCache<string, true>({ max: SEEN_EVENTS });
  private readonly replay: ChangeEvent[] = [];
  private closed = false;

  constructor(private readonly options: SubscriptionHubOptions) {}

  /** Starts hearing change events. */
  async start(): Promise<void> {
    await this.options.source.subscribe((event) => this.onEvent(event));
  }

  /**
   * Registers a checked subscription and returns its stream. With `lastEventId` (a client resuming), the events
   * after it that are still kept are resolved and delivered first. Throws a refusal over a bound, or for a field
   * whose subgraph cannot resolve events.
   */
  register(operation: OperationRequest, lastEventId?: string): ActiveSubscription {
    try {
      return this.admit(operation, lastEventId);
    } catch (error) {
      // The pipeline reported the subscription started once it passed its checks; a refusal here is its end.
      this.options.pipeline.reportSubscriptionEnd(operation, `refused: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }

  private admit(operation: OperationRequest, lastEventId: string | undefined): ActiveSubscription {
    if (this.closed) throw refusal('The gateway is shutting down; subscribe again to another replica', 'SERVICE_UNAVAILABLE', { status: 503 });
    const principal = operation.principal;
    const limits = this.limitsOf(principal.kind);
    const caller = tenantCallerOf(principal);
    if ((this.perCaller.get(caller) ?? 0) >= limits.perCaller) {
      throw refusal(`At most ${limits.perCaller} subscriptions per ${principal.kind} caller; end one first`, 'SUBSCRIPTION_LIMIT_EXCEEDED', { status: 429 }, { limit: 'perCaller', maximum: limits.perCaller });
    }
    const group = this.groupOf(operation);
    const subscriber: Subscriber = { operation, group, caller, queue: undefined as unknown as DeliveryQueue, expiry: undefined, ended: false };
    subscriber.queue = new DeliveryQueue(this.options.queueLength, () => this.end(subscriber, 'completed by the client'));
    group.subscribers.add(subscriber);
    this.perCaller.set(caller, (this.perCaller.get(caller) ?? 0) + 1);
    this.options.onActiveChange?.(principal.kind, 1);
    const expiresAt = operation.request.credentialsExpireAt;
    if (expiresAt !== undefined) {
      subscriber.expiry = setTimeout(() => this.endWith(subscriber, 'token expired', unauthenticated()), Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1));
      subscriber.expiry.unref();
    }
    if (lastEventId !== undefined) this.resume(subscriber, lastEventId);
    return { stream: subscriber.queue, end: (reason) => this.end(subscriber, reason) };
  }

  /** Subscriptions open now. */
  get active(): number {
    let count = 0;
    for (const group of this.groups.values()) count += group.subscribers.size;
    return count;
  }

  /**
   * Refuses new subscriptions. The transports then close their connections (so that clients reconnect elsewhere),
   * which ends subscriptions as a client leaving would: from now on each end is reported as the shutdown's.
   */
  beginClose(): void {
    this.closed = true;
  }

  /** Ends every subscription still open, and stops hearing change events. */
  async close(): Promise<void> {
    this.closed = true;
    for (const group of [...this.groups.values()]) for (const subscriber of [...group.subscribers]) this.end(subscriber, 'gateway shutting down');
    await this.options.source.close();
  }

  /**
   * Counts one WebSocket connection or event stream of a caller, until the returned release is called; a caller
   * over its kind's bound is refused.
   */
  openConnection(principal: Principal): () => void {
    const caller = tenantCallerOf(principal);
    const { connectionsPerCaller } = this.limitsOf(principal.kind);
    const open = this.connectionsPerCaller.get(caller) ?? 0;
    if (open >= connectionsPerCaller) {
      throw refusal(`At most ${connectionsPerCaller} connections per ${principal.kind} caller; close one first`, 'SUBSCRIPTION_LIMIT_EXCEEDED', { status: 429 }, { limit: 'connectionsPerCaller', maximum: connectionsPerCaller });
    }
    this.connectionsPerCaller.set(caller, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const remaining = (this.connectionsPerCaller.get(caller) ?? 1) - 1;
      if (remaining <= 0) this.connectionsPerCaller.delete(caller);
      else this.connectionsPerCaller.set(caller, remaining);
    };
  }

  limitsOf(kind: ClientKind): SubscriptionLimits {
    return this.options.limits[kind];
  }

  private onEvent(event: ChangeEvent): void {
    if (this.seen.has(event.id)) return;
    this.seen.set(event.id, true);
    this.remember(event);
    for (const group of this.byTopic.get(topicOf(event.field, event.tenant)) ?? []) this.schedule(group, event, () => group.subscribers);
  }

  /** Replays the kept events after `lastEventId` to one subscriber, before the live ones its group resolves next. */
  private resume(subscriber: Subscriber, lastEventId: string): void {
    const index = this.replay.findIndex((event) => event.id === lastEventId);
    if (index < 0) {
      subscriber.queue.push({
        result: { errors: [{ message: `Events after ${lastEventId} are no longer kept (the last ${this.options.replayWindowSeconds} s are); load the current state again`, extensions: { code: 'REPLAY_WINDOW_EXCEEDED' } }] },
      });
      return;
    }
    for (const event of this.replay.slice(index + 1)) {
      if (topicOf(event.field, event.tenant) === subscriber.group.topic) this.schedule(subscriber.group, event, () => [subscriber]);
    }
  }

  /**
   * Resolves an event for a group as soon as the group has a place (RESOLVING_PER_GROUP), and delivers it after
   * the group's earlier events: resolutions overlap, deliveries keep the order in which events arrived.
   */
  private schedule(group: Group, event: ChangeEvent, audience: () => Iterable<Subscriber>): void {
    if (group.subscribers.size === 0) return;
    if (group.backlog >= (this.options.backlogPerGroup ?? BACKLOG_PER_GROUP)) {
      this.overloaded(group);
      return;
    }
    group.backlog += 1;
    const resolution = this.withPlace(group, () => this.resolve(group, event));
    // Awaited in order below; until then a failure must not count as unhandled.
    resolution.catch(() => undefined);
    group.chain = group.chain
      .then(async () => {
        const delivery = await resolution;
        if (!delivery) return;
        let delivered = 0;
        for (const subscriber of audience()) if (this.deliver(subscriber, delivery)) delivered += 1;
        if (delivered > 0) this.options.onDelivered?.(Date.now() - Date.parse(event.at), delivered);
      })
      .catch((error: unknown) => this.options.logger.error({ err: error, eventId: event.id }, 'a change event could not be resolved for its subscribers'))
      .finally(() => (group.backlog -= 1));
  }

  /**
   * The group's events arrive faster than the gateway resolves them: rather than holding ever more of them, its
   * subscribers are ended and told to reload; nothing is skipped silently.
   */
  private overloaded(group: Group): void {
    this.options.logger.warn({ topic: group.topic, subscribers: group.subscribers.size, backlog: group.backlog }, 'subscriptions fell behind resolving change events; ending them');
    for (const subscriber of [...group.subscribers]) {
      this.options.onDropped?.('overloaded');
      this.endWith(subscriber, 'gateway fell behind', {
        message: `The gateway fell ${group.backlog} events behind resolving this subscription's changes and ended it; load the current state and subscribe again`,
        extensions: { code: 'SUBSCRIPTION_OVERLOADED' },
      });
    }
  }

  /** Runs `work` once fewer than RESOLVING_PER_GROUP of the group's resolutions are in flight; places are taken in order. */
  private async withPlace<T>(group: Group, work: () => Promise<T>): Promise<T> {
    if (group.resolving < RESOLVING_PER_GROUP) group.resolving++;
    // The place is handed over by the resolution that ends (below), so none is taken twice.
    else await new Promise<void>((resolve) => group.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = group.waiting.shift();
      if (next) next();
      else group.resolving--;
    }
  }

  /** The event as the group may see it; undefined when it is not for them (the event query answered null). */
  private async resolve(group: Group, event: ChangeEvent): Promise<Delivery | undefined> {
    // Every subscriber left (or was ended) while this waited for its place.
    if (group.subscribers.size === 0) return undefined;
    const request = new GatewayRequest(`event-${event.id}`, 'POST', {}, 1);
    request.principal = group.principal;
    const operation = new OperationRequest(request, { query: group.query.text, operationName: group.operationName, variables: { ...group.variables, [EVENT_ID_VARIABLE]: event.id } });
    const result = await this.options.pipeline.executeDerived(operation);
    const formatting = { hideSuggestions: this.options.hideSuggestions, requestId: request.id, logger: this.options.logger };
    const errors = (result.errors ?? []).map((error) => formatError(error, formatting));
    if (result.status !== undefined) {
      // The supergraph changed under the subscription (its field is gone): it cannot be served any longer.
      for (const subscriber of [...group.subscribers]) this.endWith(subscriber, 'the subscription no longer validates', errors[0]);
      return undefined;
    }
    const value = result.data?.[group.query.responseKey];
    if ((value === null || value === undefined) && errors.length === 0) return undefined;
    const answer: FormattedExecutionResult = { data: { [group.query.responseKey]: value ?? null } };
    return { eventId: event.id, result: errors.length > 0 ? { ...answer, errors } : answer };
  }

  /** Queues a delivery for one subscriber; false when it had ended, or fell behind and is ended now. */
  private deliver(subscriber: Subscriber, delivery: Delivery): boolean {
    if (subscriber.ended) return false;
    if (subscriber.queue.push(delivery)) return true;
    this.options.onDropped?.('slow_client');
    this.endWith(subscriber, 'fell behind', {
      message: `The client fell ${this.options.queueLength} events behind and was cut off; read faster, or subscribe with a narrower filter`,
      extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
    });
    return false;
  }

  private endWith(subscriber: Subscriber, reason: string, error: FormattedExecutionResult['errors'] extends readonly (infer E)[] | undefined ? E | undefined : never): void {
    if (subscriber.ended) return;
    subscriber.queue.end(error ? { result: { errors: [error] } } : undefined);
    this.end(subscriber, reason);
  }

  private end(subscriber: Subscriber, reason: string): void {
    if (subscriber.ended) return;
    subscriber.ended = true;
    subscriber.queue.end();
    clearTimeout(subscriber.expiry);
    const { group, caller } = subscriber;
    group.subscribers.delete(subscriber);
    if (group.subscribers.size === 0) {
      this.groups.delete(group.key);
      this.byTopic.get(group.topic)?.delete(group);
    }
    const remaining = (this.perCaller.get(caller) ?? 1) - 1;
    if (remaining <= 0) this.perCaller.delete(caller);
    else this.perCaller.set(caller, remaining);
    this.options.onActiveChange?.(subscriber.operation.principal.kind, -1);
    this.options.pipeline.reportSubscriptionEnd(subscriber.operation, this.closed ? 'gateway shutting down' : reason);
  }

  private groupOf(operation: OperationRequest): Group {
    const query = eventQueryOf(operation.document!, operation.operation!, operation.schema);
    const { tenant, kind, clientId, scopes } = operation.principal;
    const sortedScopes = [...scopes].sort();
    const key = JSON.stringify([query.text, operation.operationName ?? null, operation.variables, tenant, kind, clientId ?? null, sortedScopes]);
    let group = this.groups.get(key);
    if (!group) {
      const topic = topicOf(query.field, tenant);
      group = {
        key,
        topic,
        query,
        operationName: operation.operationName,
        variables: operation.variables,
        principal: { sub: SUBSCRIPTION_SUBJECT, tenant, kind, clientId, scopes: sortedScopes },
        subscribers: new Set(),
        chain: Promise.resolve(),
        resolving: 0,
        waiting: [],
        backlog: 0,
      };
      this.groups.set(key, group);
      let groups = this.byTopic.get(topic);
      if (!groups) this.byTopic.set(topic, (groups = new Set()));
      groups.add(group);
    }
    return group;
  }

  private remember(event: ChangeEvent): void {
    this.replay.push(event);
    const oldest = Date.now() - this.options.replayWindowSeconds * 1000;
    while (this.replay.length > REPLAY_CAPACITY || (this.replay.length > 0 && Date.parse(this.replay[0].at) < oldest)) this.replay.shift();
  }
}

function topicOf(field: string, tenant: string): string {
  return `${tenant}\u0000${field}`;
}

/** A caller within its tenant, as subscription bounds count it. */
function tenantCallerOf(principal: Principal): string {
  return `${principal.tenant}\u0000${callerOf(principal)}`;
}

function unauthenticated() {
  return formatErrorPlain(new GraphQLError('The token expired; subscribe again with a fresh token', { extensions: { code: 'UNAUTHENTICATED' } }));
}

function formatErrorPlain(error: GraphQLError) {
  return { message: error.message, extensions: { ...error.extensions } };
}
