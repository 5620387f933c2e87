import { LOG_LEVELS, readEnum, readNodeEnv, readPort, readUrl, type Environment, type NodeEnv } from '../../lib/config';
import { readPrincipalSecret } from '../../lib/principal';
import { readAuthConfig, type AuthConfig } from './auth/config';
import { AUTHORIZATION_MODES, type AuthorizationMode } from './authorization/authorizing-gateway';

/** The subgraphs the supergraph names. */
export const SUBGRAPH_NAMES = ['identity', 'assets', 'incidents'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export interface GatewayConfig {
  port: number;
  host: string;
  /** The composed supergraph (npm run compose); loaded once at start, never fetched from the subgraphs. */
  supergraphPath: string;
  /** Where each subgraph listens; these override the URLs embedded in the supergraph. */
  subgraphUrls: Record<SubgraphName, string>;
  /** Signs the principal header the subgraphs verify. */
  principalSecret: Buffer;
  /** What happens to fields the caller's scopes do not cover: filter (null + error), reject, or dry-run. */
  authorizationMode: AuthorizationMode;
  logLevel: (typeof LOG_LEVELS)[number];
  nodeEnv: NodeEnv;
  auth: AuthConfig;
}

const HTTP = ['http:', 'https:'];

/** Reads and validates the gateway's environment; a bad value is a ConfigError naming the variable. */
export function readGatewayConfig(env: Environment): GatewayConfig {
  return {
    port: readPort(env, 'PORT', 4000),
    host: env.HOST || '127.0.0.1',
    supergraphPath: env.SUPERGRAPH_PATH || 'schema/supergraph.graphql',
    subgraphUrls: {
      identity: readUrl(env, 'IDENTITY_URL', HTTP) ?? 'http://127.0.0.1:4001/graphql',
      assets: readUrl(env, 'ASSETS_URL', HTTP) ?? 'http://127.0.0.1:4002/graphql',
      incidents: readUrl(env, 'INCIDENTS_URL', HTTP) ?? 'http://127.0.0.1:4003/graphql',
    },
    principalSecret: readPrincipalSecret(env),
    authorizationMode: readEnum(env, 'AUTHORIZATION_MODE', AUTHORIZATION_MODES, 'filter'),
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    nodeEnv: readNodeEnv(env),
    auth: readAuthConfig(env),
  };
}
