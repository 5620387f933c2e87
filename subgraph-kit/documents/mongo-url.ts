import { ConfigError } from '../../lib/errors';
import type { Environment } from '../../lib/config';

/**
 * A MongoDB connection string names several hosts for a replica set (mongodb://h1:27017,h2:27017/db), which
 * WHATWG URL parsing refuses; these helpers read it the way the driver does, by its scheme and path.
 */
const CONNECTION_STRING = /^mongodb(?:\+srv)?:\/\/[^/?]+(?:\/([^?]*))?(?:\?.*)?$/;

/** Reads a MongoDB connection string from the environment; undefined when the variable is unset. */
export function readMongoUrl(env: Environment, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!CONNECTION_STRING.test(raw)) {
    throw new ConfigError(name, 'expected a MongoDB connection string such as mongodb://host1:27017,host2:27017/palisade?replicaSet=rs0 or mongodb+srv://cluster.example.net/palisade');
  }
  return raw;
}

/** The database named in the connection string's path, or the fallback when it names none. */
export function databaseNameOf(url: string, fallback: string): string {
  const path = CONNECTION_STRING.exec(url)?.[1];
  return path ? decodeURIComponent(path) : fallback;
}
