import { gzipSync } from 'node:zlib';
import { listen } from '../../lib/http-server';
import { createLogger } from '../../lib/logger';
import type { Graph } from '../../test/support/graph';
import { readIngestConfig } from '../src/config';
import { createIngestService, type IngestService } from '../src/server';

export interface StartedIngest {
  service: IngestService;
  /** POST here: http://127.0.0.1:<port>/v1/events */
  eventsUrl: string;
  origin: string;
  metricsUrl: string;
  close(): Promise<void>;
}

/**
 * The intake on port 0 in front of a graph's subgraphs, with the graph's principal secret and development key
 * (so the graph's tokens are its tokens), plus `env`: NATS_URL and the stream's names for the NATS path.
 */
export async function startIngest(graph: Graph, env: Record<string, string> = {}): Promise<StartedIngest> {
  const config = readIngestConfig({
    PALISADE_DATA_DIR: graph.gatewayEnv.PALISADE_DATA_DIR,
    PRINCIPAL_SECRET: graph.gatewayEnv.PRINCIPAL_SECRET,
    SUBGRAPH_IDENTITY_URL: graph.subgraphUrls.identity,
    SUBGRAPH_ASSETS_URL: graph.subgraphUrls.assets,
    SUBGRAPH_INCIDENTS_URL: graph.subgraphUrls.incidents,
    PORT: '0',
    METRICS_PORT: '0',
    AUDIT_LOG: 'off',
    ...env,
  });
  const service = await createIngestService(config, createLogger('ingest', process.env.LOG_LEVEL ?? 'silent'));
  const address = await listen(service.httpServer, 0, '127.0.0.1');
  const metrics = await listen(service.metricsServer, 0, '127.0.0.1');
  const origin = `http://127.0.0.1:${address.port}`;
  return { service, origin, eventsUrl: `${origin}/v1/events`, metricsUrl: `http://127.0.0.1:${metrics.port}/metrics`, close: () => service.close() };
}

/** What the intake answers a request it read line by line. */
export interface IntakeBody {
  accepted?: number;
  rejected?: Array<{ line: number; code: string; message: string }>;
  error?: { code: string; message: string };
}

/** POSTs NDJSON lines (objects are serialized, strings sent as they are), gzip-compressed when asked. */
export async function postEvents(
  url: string,
  token: string | null,
  lines: Array<string | object>,
  options: { gzip?: boolean; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: IntakeBody }> {
  const text = lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', ...options.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.gzip) headers['content-encoding'] = 'gzip';
  const response = await fetch(url, { method: 'POST', headers, body: options.gzip ? gzipSync(text) : text });
  return { status: response.status, headers: response.headers, body: (await response.json()) as IntakeBody };
}

/** The token a scanner or identity provider sends events with: a script of tenant acme with ingest:write. */
export function ingestToken(graph: Graph, tenant = 'acme', scopes = ['ingest:write']): Promise<string> {
  return graph.token({ sub: 'svc-scanner', tenant, scopes, kind: 'script', clientId: 'scanner' });
}

/** What the gateway shows of the sample events: the users, the devices and cloud resource, their findings and incidents. */
export const SAMPLE_QUERY = `{
  dana: user(uid: "00u1a2b3c4d5e6f7g8h9") { name email department manager { name } groups { name } accounts { type } }
  web: asset(uid: "f3b2c1d0-6a7e-4c1f-9d2b-3e4a5b6c7d8e") { name owner { name } ... on Device { hostname type os { type } } vulnerabilities { totalCount edges { node { status cve { uid cvss } } } } }
  laptop: asset(uid: "a8c4e2f0-1b3d-4e5f-8a9b-0c1d2e3f4a5b") { name incidents { totalCount edges { node { title severity status findings { uid severity } affectedUsers { name } timeline { kind } } } } }
  bastion: asset(uid: "arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f67890") { name ... on CloudResource { provider } vulnerabilities { edges { node { severity cve { uid } } } } incidents { edges { node { title severity } } } }
}`;

/** SAMPLE_QUERY's answer once every sample event is applied (the findings in the order the API sorts them). */
export const SAMPLE_ANSWER = {
  dana: {
    name: 'Dana Whitfield',
    email: 'dana.whitfield@acme.example',
    department: 'Security Operations',
    manager: { name: 'Marcus Oyelaran' },
    groups: expect.arrayContaining([{ name: 'All Staff' }, { name: 'SOC Analysts' }]),
    accounts: [{ type: 'AZURE_AD' }],
  },
  web: {
    name: 'web-07',
    owner: { name: 'Marcus Oyelaran' },
    hostname: 'web-07.prod.acme.example',
    type: 'SERVER',
    os: { type: 'LINUX' },
    vulnerabilities: {
      totalCount: 2,
      edges: [{ node: { status: 'NEW', cve: { uid: 'CVE-2024-3094', cvss: 10 } } }, { node: { status: 'RESOLVED', cve: { uid: 'CVE-2023-44487', cvss: 7.5 } } }],
    },
  },
  // The two PowerShell detections on the laptop, six minutes apart: one incident, raised to the second's severity.
  laptop: {
    name: 'LT-DWHITFIELD',
    incidents: {
      totalCount: 1,
      edges: [
        {
          node: {
            title: 'Suspicious PowerShell download cradle',
            severity: 'CRITICAL',
            status: 'NEW',
            findings: [
              { uid: 'ldt:7c1e9a2f5b3d:5519', severity: 'HIGH' },
              { uid: 'ldt:7c1e9a2f5b3d:5523', severity: 'CRITICAL' },
            ],
            affectedUsers: [{ name: 'Dana Whitfield' }],
            timeline: [{ kind: 'CREATED' }, { kind: 'FINDING_ADDED' }, { kind: 'FINDING_ADDED' }],
          },
        },
      ],
    },
  },
  bastion: {
    name: 'bastion-01',
    provider: 'AWS',
    vulnerabilities: { edges: [{ node: { severity: 'HIGH', cve: { uid: 'CVE-2024-6387' } } }] },
    incidents: { edges: [{ node: { title: 'SSH brute force against bastion-01', severity: 'MEDIUM' } }] },
  },
};
