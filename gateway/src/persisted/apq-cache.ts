import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type Redis from 'ioredis';
import type { Logger } from '../../../lib/logger';

export interface RedisApqCacheOptions {
  /** Put before every key, so that several deployments can share one Redis. Default `palisade:`. */
  prefix?: string;
  /** How long a registered document lives when Apollo Server gives no TTL. Default one day. */
  ttlSeconds?: number;
  logger: Logger;
}

export const DEFAULT_APQ_TTL_SECONDS = 86_400;

/**
 * Apollo Server's APQ cache (`persistedQueries.cache`) in Redis, so that a hash registered through one
 * gateway replica is known to all of them. A Redis failure reads as a miss: the client is told
 * PERSISTED_QUERY_NOT_FOUND and sends the document again, instead of the request failing.
 */
export class RedisApqCache implements KeyValueCache<string> {
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor(
    private readonly client: Redis,
    private readonly options: RedisApqCacheOptions,
  ) {
    this.prefix = options.prefix ?? 'palisade:';
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_APQ_TTL_SECONDS;
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.client.get(this.prefix + key)) ?? undefined;
    } catch (error) {
      this.options.logger.warn({ err: error }, 'APQ cache unavailable; the lookup counts as a miss');
      return undefined;
    }
  }

  /** `ttl` in seconds as Apollo Server passes it; null keeps the document until deleted. */
  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl === undefined ? this.ttlSeconds : options.ttl;
    if (ttl === null) await this.client.set(this.prefix + key, value);
    else await this.client.set(this.prefix + key, value, 'EX', Math.max(1, Math.ceil(ttl)));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.del(this.prefix + key)) > 0;
  }
}
