import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { close, listen } from '../lib/http-server';
import { chromiumSkipReason, launchChromium } from './support/browser';
import { readOperation, startGraph, type Graph } from './support/graph';

/**
 * What a frontend developer does first, in a real browser (Debian's Chromium, driven by playwright-core): a page
 * served by a dev server on another origin calls the gateway with a token and shows the incident board; a page
 * on an origin the gateway does not allow is refused; the explorer loads from the gateway alone, runs the board
 * query and shows data. Screenshots go to test-artifacts/ (not committed).
 */

const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const skip = chromiumSkipReason('browser tests');
const describeInBrowser = skip ? describe.skip : describe;

/** A dev server's page: fetches the board from the gateway with the token it is given, and lists the incidents. */
function boardPage(gatewayUrl: string, token: string): string {
  const request = JSON.stringify({ query: readOperation('IncidentBoard') });
  return `<!doctype html><html><head><title>Incident board</title></head><body>
<h1>Incidents</h1><ul id="board"></ul><p id="status">loading</p>
<script>
fetch(${JSON.stringify(gatewayUrl)}, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ${token}' }, body: ${JSON.stringify(request)} })
  .then((response) => response.json())
  .then((body) => {
    for (const edge of body.data.incidents.edges) {
      const item = document.createElement('li');
      item.textContent = edge.node.severity + ' ' + edge.node.title;
      document.getElementById('board').appendChild(item);
    }
    document.getElementById('status').textContent = 'loaded ' + body.data.incidents.edges.length;
  })
  .catch((error) => { document.getElementById('status').textContent = 'failed: ' + error.message; });
</script></body></html>`;
}

/** A static server standing in for a frontend team's dev server (Vite on :5173, say). */
async function devServer(html: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  const { port } = await listen(server, 0, '127.0.0.1');
  return { server, origin: `http://127.0.0.1:${port}` };
}

describeInBrowser('in a browser', () => {
  let graph: Graph;
  let browser: Browser;
  const servers: Server[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    graph = await startGraph({ demoDataScale: 0.05 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const server of servers) await close(server);
    await graph?.close();
  });

  async function openPage(url: string): Promise<{ page: Page; requested: string[] }> {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(url);
    return { page, requested };
  }

  it('shows the incident board on a page of another origin that calls the gateway with a token', async () => {
    const { server, origin } = await devServer(boardPage(graph.url, await graph.token()));
    servers.push(server);
    const { page } = await openPage(origin);
    await page.waitForFunction("document.getElementById('status').textContent.startsWith('loaded')", undefined, { timeout: 15_000 });
    const items = await page.locator('#board li').allTextContents();
    expect(items.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'cors-board.png') });
    await page.close();
  });

  it('refuses a page on an origin that is not allowed: the browser gets no answer it may read', async () => {
    // This gateway allows one other origin only; the page's origin is not it.
    const strict = await graph.startGateway({ CORS_ORIGINS: 'https://soc.example.com' });
    const { server, origin } = await devServer(boardPage(strict.url, await graph.token()));
    servers.push(server);
    const { page } = await openPage(origin);
    await page.waitForFunction("document.getElementById('status').textContent.startsWith('failed')", undefined, { timeout: 15_000 });
    expect(await page.locator('#status').textContent()).toContain('Failed to fetch');
    expect(await page.locator('#board li').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'cors-refused.png') });
    await page.close();
  });

  it('opens the explorer from the gateway alone, runs the board query and shows its data', async () => {
    const { page, requested } = await openPage(graph.origin);
    await page.locator('.graphiql-container').waitFor({ timeout: 15_000 });
    // The board is the first tab; run it.
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.graphiql-response').getByText('"incidents"').waitFor({ timeout: 15_000 });
    const response = await page.locator('.graphiql-response').innerText();
    expect(response).toContain('"edges"');
    expect(response).not.toContain('UNAUTHENTICATED');
    await page.screenshot({ path: join(ARTIFACTS, 'explorer.png') });
    // Every request the page made went to the gateway: nothing left the machine, nothing came from a CDN.
    expect(requested.filter((url) => !url.startsWith(graph.origin) && !url.startsWith('data:'))).toEqual([]);
    await page.close();
  });
});
