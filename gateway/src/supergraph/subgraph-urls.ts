import { readUrl, type Environment } from '../../../lib/config';
import { ConfigError } from '../../../lib/errors';

/** The variables of the three subgraphs Palisade ships, kept working beside the general form. */
const SHIPPED_SUBGRAPH_VARIABLES: Readonly<Record<string, string>> = { identity: 'IDENTITY_URL', assets: 'ASSETS_URL', incidents: 'INCIDENTS_URL' };
const OVERRIDE_VARIABLE = /^SUBGRAPH_[A-Z0-9_]+_URL$/;
const HTTP = ['http:', 'https:'];

/**
 * Where the gateway calls each subgraph: the URL the supergraph gives it (`join__graph(url:)`), unless the
 * environment overrides it with SUBGRAPH_<NAME>_URL, <NAME> being the subgraph's name upper-cased with every
 * other character as `_` (a subgraph "threat-intel" reads SUBGRAPH_THREAT_INTEL_URL). Every such variable is
 * checked at start; one that names no subgraph of the supergraph is reported (a typo would otherwise pass).
 */
export class SubgraphUrls {
  private constructor(private readonly overrides: ReadonlyMap<string, string>) {}

  /** Reads every SUBGRAPH_*_URL, and IDENTITY_URL, ASSETS_URL and INCIDENTS_URL; each must be an http(s) URL. */
  static read(env: Environment): SubgraphUrls {
    const overrides = new Map<string, string>();
    const shipped = { IDENTITY_URL: readUrl(env, 'IDENTITY_URL', HTTP), ASSETS_URL: readUrl(env, 'ASSETS_URL', HTTP), INCIDENTS_URL: readUrl(env, 'INCIDENTS_URL', HTTP) };
    for (const [variable, url] of Object.entries(shipped)) if (url) overrides.set(variable, url);
    for (const variable of Object.keys(env).filter((name) => OVERRIDE_VARIABLE.test(name))) {
      const url = readUrl(env, variable, HTTP);
      if (url) overrides.set(variable, url);
    }
    return new SubgraphUrls(overrides);
  }

  /** The URL to call subgraph `name` at. */
  resolve(name: string, urlInSupergraph: string | undefined): string {
    const variable = overrideVariable(name);
    const url = this.overrides.get(variable) ?? this.overrides.get(SHIPPED_SUBGRAPH_VARIABLES[name] ?? '') ?? urlInSupergraph;
    if (!url) throw new ConfigError(variable, `the supergraph gives subgraph "${name}" no URL; set ${variable}`);
    if (!isHttpUrl(url)) throw new ConfigError(variable, `subgraph "${name}" has no usable http(s) URL ("${url}"); set ${variable}`);
    return url;
  }

  /** Override variables that name none of these subgraphs: most likely a typo. */
  unused(subgraphNames: Iterable<string>): string[] {
    const used = new Set<string>();
    for (const name of subgraphNames) {
      used.add(overrideVariable(name));
      if (SHIPPED_SUBGRAPH_VARIABLES[name]) used.add(SHIPPED_SUBGRAPH_VARIABLES[name]);
    }
    return [...this.overrides.keys()].filter((variable) => !used.has(variable));
  }
}

/** SUBGRAPH_<NAME>_URL for a subgraph's name. */
export function overrideVariable(name: string): string {
  return `SUBGRAPH_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
}

function isHttpUrl(value: string): boolean {
  try {
    return HTTP.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
