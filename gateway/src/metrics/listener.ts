import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * The metrics listener: /metrics on a port of its own, which the public Service does not expose (Prometheus
 * scrapes it; a NetworkPolicy admits only the scraper). Metrics name every tenant's operations and the
 * runtime's version, so they never share the port that clients reach.
 */
export function createMetricsServer(registry: Registry): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://metrics').pathname;
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics are served at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
    );
  });
}
