import { readNatsUrl } from '../../../lib/nats-url';
import { readPositiveInt, type Environment } from '../../../lib/config';
import { readChangesLocation, type ChangesLocation } from '../../../lib/change-events/nats';
import type { ClientKind } from '../../../lib/principal';
import { perKindSettings, type ClientPolicyOverrides } from '../client-policies';

/** How much one caller may hold open, per client kind. */
export interface SubscriptionLimits {
  /** Subscriptions on one WebSocket connection. */
  perConnection: number;
  /** Subscriptions of one caller (callerOf: a user by subject, a script or partner by its client) on this replica, over every transport. */
  perCaller: number;
  /** WebSocket connections and event streams of one caller on this replica. */
  connectionsPerCaller: number;
}

export interface SubscriptionsConfig {
  limits: Record<ClientKind, SubscriptionLimits>;
  /** Messages waiting for one subscriber; a subscriber further behind is cut off and told why. */
  queueLength: number;
  /** How long past events are kept for clients resuming a stream (Last-Event-ID). */
  replayWindowSeconds: number;
  /** NATS JetStream carries change events when set; otherwise each subgraph streams its own to the gateway. */
  natsUrl: string | undefined;
  /** The stream and subjects of this installation's changes in NATS. */
  changes: ChangesLocation;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: Readonly<Record<ClientKind, SubscriptionLimits>> = {
  user: { perConnection: 20, perCaller: 50, connectionsPerCaller: 10 },
  script: { perConnection: 50, perCaller: 100, connectionsPerCaller: 10 },
  partner: { perConnection: 5, perCaller: 10, connectionsPerCaller: 2 },
};

/** CLIENT_POLICIES' subscriptions sections; SUBSCRIPTION_QUEUE_LENGTH, SUBSCRIPTION_REPLAY_SECONDS, NATS_URL, NATS_CHANGES_STREAM. */
export function readSubscriptionsConfig(env: Environment, overrides: ClientPolicyOverrides): SubscriptionsConfig {
  return {
    limits: perKindSettings(DEFAULT_SUBSCRIPTION_LIMITS, overrides, 'subscriptions'),
    queueLength: readPositiveInt(env, 'SUBSCRIPTION_QUEUE_LENGTH', 100),
    replayWindowSeconds: readPositiveInt(env, 'SUBSCRIPTION_REPLAY_SECONDS', 600),
    natsUrl: readNatsUrl(env),
    changes: readChangesLocation(env),
  };
}
