import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../lib/logger';

/** Documents registered with automatic persisted queries (APQ), by the SHA-256 of their text. */
export interface ApqStore {
  get(hash: string): Promise<string | undefined>;
  set(hash: string, text: string): Promise<void>;
}

export const DEFAULT_APQ_TTL_SECONDS = 86_400;

/** In this process only, for a single gateway without Redis: bounded, least recently used first out. */
export function memoryApqStore(ttlSeconds: number, maxEntries = 10_000): ApqStore {
  const documents = new LRUCache<string, string>({ max: maxEntries, ttl: ttlSeconds * 1000 });
  return {
    get: async (hash) => documents.get(hash),
    set: async (hash, text) => void documents.set(hash, text),
  };
}

/**
 * In Redis, so that a hash registered through one gateway replica is known to all of them. A Redis failure reads
 * as a miss: the client is told PERSISTED_QUERY_NOT_FOUND and sends the document again, instead of failing.
 */
export function redisApqStore(client: Redis, ttlSeconds: number, logger: Logger, prefix = 'palisade:apq:'): ApqStore {
  return {
    async get(hash) {
      try {
        return (await client.get(prefix + hash)) ?? undefined;
      } catch (error) {
        logger.warn({ err: error }, 'APQ store unavailable; the lookup counts as a miss');
        return undefined;
      }
    },
    async set(hash, text) {
      await client.set(prefix + hash, text, 'EX', ttlSeconds);
    },
  };
}
