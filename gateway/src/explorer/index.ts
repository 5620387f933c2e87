import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { getOperationAST, isNonNullType, parse, typeFromAST, type GraphQLSchema } from 'graphql';
import type { Logger } from '../../../lib/logger';
import { writeJson } from '../pipeline/http-server';
import type { GatewayPlugin, HttpExchange } from '../pipeline/plugin';
import type { ServedSchema } from '../pipeline/served-schema';
import type { ExplorerConfig } from './config';

export interface ExplorerOptions extends ExplorerConfig {
  /** A token for the demo user, prefilled in the headers editor; only where the gateway signs development tokens. */
  developmentToken?: () => Promise<string>;
  logger: Logger;
}

/** The files the page loads, from npm packages: nothing comes from a CDN, so the explorer works offline. */
const ASSETS: Readonly<Record<string, { file: () => string; type: string }>> = {
  'react.js': { file: () => join(packageRoot('react'), 'umd', 'react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { file: () => join(packageRoot('react-dom'), 'umd', 'react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { file: () => join(packageRoot('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { file: () => join(packageRoot('graphiql'), 'graphiql.min.css'), type: 'text/css' },
  'explorer.js': { file: () => join(__dirname, 'explorer.js'), type: 'text/javascript' },
};

/** The explorer's development token as JSON, for a development page on another origin (examples/incident-board). */
export const TOKEN_PATH = '/explorer/token';

/** Scripts and styles from the gateway only; GraphiQL's editor sets inline styles; data: for its icons. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface ExampleOperation {
  name: string;
  body: string;
  variables?: string;
}

/**
 * The explorer: GraphiQL served by the gateway itself, from its npm packages, on a browser's GET /graphql and /.
 * Outside production it opens with a development token for the demo user in the headers editor and the example
 * operations as tabs, and GET /explorer/token answers that token as JSON to pages of the development origins (CORS),
 * such as the example incident board; in production it is off unless EXPLORER=on, and then it holds no token. The
 * schema docs come from introspection, so they follow INTROSPECTION.
 */
export function useExplorer(options: ExplorerOptions): GatewayPlugin {
  const assets = new Map<string, { body: Buffer; type: string }>();
  let operations: ExampleOperation[] = [];
  return {
    name: 'explorer',
    onStart(schema: ServedSchema) {
      if (!options.enabled) return;
      for (const [name, { file, type }] of Object.entries(ASSETS)) assets.set(name, { body: readFileSync(file()), type });
      operations = readExampleOperations(options.operationsDir, schema.api, options.logger);
    },
    async onHttp(exchange: HttpExchange) {
      if (!options.enabled || exchange.request.method !== 'GET') return false;
      const { pathname, search } = exchange.url;
      if (pathname === TOKEN_PATH) {
        const token = await options.developmentToken?.();
        if (!token) return false;
        writeJson(exchange.response, 200, { ...Object.fromEntries(exchange.responseHeaders), 'cache-control': 'no-store' }, { token }, 'application/json');
        return true;
      }
      if (pathname.startsWith('/explorer/')) {
        const asset = assets.get(pathname.slice('/explorer/'.length));
        if (!asset) return false;
        exchange.response.writeHead(200, { 'content-type': `${asset.type}; charset=utf-8`, 'cache-control': 'public, max-age=3600', 'content-length': asset.body.length });
        exchange.response.end(asset.body);
        return true;
      }
      const wantsPage = (pathname === '/' || pathname === '/graphql') && search === '' && (exchange.request.headers.accept ?? '').includes('text/html');
      if (!wantsPage) return false;
      const token = await options.developmentToken?.();
      const html = page({ endpoint: '/graphql', headers: token ? { Authorization: `Bearer ${token}` } : {}, operations });
      exchange.response.writeHead(200, {
        ...Object.fromEntries(exchange.responseHeaders),
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      exchange.response.end(html);
      return true;
    },
  };
}

/** The folder of an installed npm package: its entry point's folder, or the nearest one above it that is the package's. */
function packageRoot(name: string): string {
  let directory = dirname(require.resolve(name));
  while (!existsSync(join(directory, 'package.json')) || JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')).name !== name) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`cannot find the folder of the npm package ${name}`);
    directory = parent;
  }
  return directory;
}

function page(config: { endpoint: string; headers: Record<string, string>; operations: ExampleOperation[] }): string {
  // In a JSON data block, `<` is escaped so that no value can close the script element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Palisade explorer</title>
<link rel="stylesheet" href="/explorer/graphiql.css">
<style>html, body, #explorer { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="explorer"></div>
<script id="palisade-explorer" type="application/json">${json}</script>
<script src="/explorer/react.js"></script>
<script src="/explorer/react-dom.js"></script>
<script src="/explorer/graphiql.js"></script>
<script src="/explorer/explorer.js"></script>
</body>
</html>
`;
}

/** The example operations, IncidentBoard first, each with a variables skeleton naming what it needs. */
function readExampleOperations(directory: string, schema: GraphQLSchema, logger: Logger): ExampleOperation[] {
  let files: string[];
  try {
    files = readdirSync(directory).filter((name) => name.endsWith('.graphql')).sort();
  } catch {
    logger.warn({ directory }, 'the explorer found no example operations (EXPLORER_OPERATIONS)');
    return [];
  }
  const operations = files.map((file) => {
    const body = readFileSync(join(directory, file), 'utf8');
    const operation = getOperationAST(parse(body));
    const skeleton: Record<string, unknown> = {};
    for (const definition of operation?.variableDefinitions ?? []) {
      const type = typeFromAST(schema, definition.type);
      if (type && isNonNullType(type) && !definition.defaultValue) skeleton[definition.variable.name.value] = '';
    }
    return { name: operation?.name?.value ?? file, body, ...(Object.keys(skeleton).length > 0 ? { variables: JSON.stringify(skeleton, null, 2) } : {}) };
  });
  return operations.sort((a, b) => Number(b.name === 'IncidentBoard') - Number(a.name === 'IncidentBoard'));
}
