import { createServer, type Server } from 'node:http';
import { close, listen } from '../../../lib/http-server';
import { silentLogger } from '../pipeline/test-fixtures';
import type { ExplorerOptions } from '.';
import { TOKEN_PATH, useExplorer } from '.';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await close(server);
});

/** The explorer's onHttp behind a real listener, with the CORS header the cors behaviour would have set; 404 when it declines. */
async function serve(options: Partial<ExplorerOptions>): Promise<string> {
  const explorer = useExplorer({ enabled: true, operationsDir: 'schema/operations', logger: silentLogger, ...options });
  const server = createServer(async (request, response) => {
    const exchange = { request, response, url: new URL(request.url ?? '/', 'http://gateway'), responseHeaders: new Map([['access-control-allow-origin', 'http://127.0.0.1:5173']]) };
    if (!(await explorer.onHttp!(exchange))) response.writeHead(404).end();
  });
  servers.push(server);
  const { port } = await listen(server, 0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

describe('the explorer token for development pages', () => {
  it("answers the explorer's development token as JSON, never cached, with the CORS headers of the request", async () => {
    const origin = await serve({ developmentToken: async () => 'dev.token.here' });
    const response = await fetch(`${origin}${TOKEN_PATH}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ token: 'dev.token.here' });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
  });

  it('is not there where the gateway signs no development tokens (production, or an identity provider) or the explorer is off', async () => {
    for (const options of [{}, { enabled: false, developmentToken: async () => 'dev.token.here' }]) {
      const response = await fetch(`${await serve(options)}${TOKEN_PATH}`);
      expect(response.status).toBe(404);
    }
  });
});
