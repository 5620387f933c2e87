import type Redis from 'ioredis';
import type { RateLimitDecision, RateLimitStore } from './rate-limit-store';

/**
 * GCRA in one Lua script, so a charge is atomic across every gateway replica. Redis's own clock decides
 * "now", so replicas whose clocks drift still agree.
 */
const GCRA_SCRIPT = `
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local interval = window / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + cost * interval
local allow_at = new_tat - window
if now < allow_at then
  return {0, math.floor((window - (tat - now)) / interval), math.ceil(tat - now), math.ceil(allow_at - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.max(1, math.ceil(new_tat - now)))
return {1, math.floor((window - (new_tat - now)) / interval), math.ceil(new_tat - now), 0}
`;

type GcraClient = Redis & { palisadeGcra(key: string, cost: number, limit: number, windowMs: number): Promise<[number, number, number, number]> };

export class RedisRateLimitStore implements RateLimitStore {
  private readonly client: GcraClient;

  constructor(
    client: Redis,
    private readonly prefix = 'palisade:ratelimit:',
  ) {
    client.defineCommand('palisadeGcra', { numberOfKeys: 1, lua: GCRA_SCRIPT });
    this.client = client as GcraClient;
  }

  async charge(key: string, cost: number, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const [allowed, remaining, resetMs, retryAfterMs] = await this.client.palisadeGcra(this.prefix + key, cost, limit, windowMs);
    return { allowed: allowed === 1, limit, remaining: Math.max(0, remaining), resetMs, retryAfterMs };
  }

  async close(): Promise<void> {
    // The client belongs to the gateway, which closes it once for every store that shares it.
  }
}
