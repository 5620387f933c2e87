import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from './support/browser';
import { pollUntil, scrape, total } from './support/gateway-probes';
import { ALL_READ_SCOPES, startGraph, type Graph } from './support/graph';

/**
 * The example live incident board (examples/incident-board) in a real browser: its Vite dev server started as
 * `npm run board` starts it, on port 0, pointed at a graph of its own. An acme analyst sees the board, and a status
 * change made through the API appears within 2 seconds; a globex analyst, watching the same gateway, sees nothing
 * of it. Every operation goes by persisted id. Screenshots go to test-artifacts/ (not committed).
 */

const root = join(__dirname, '..');
const ARTIFACTS = join(root, 'test-artifacts');
const ANALYST_SCOPES = ['incidents:read', 'identity:read', 'pii:read', 'assets:read'];
const PERSISTED_IDS = new Map(
  (JSON.parse(readFileSync(join(root, 'schema', 'persisted-queries', 'manifest.json'), 'utf8')) as { operations: Array<{ id: string; name: string }> }).operations.map((o) => [o.name, o.id]),
);
/** Vite's first page load prepares the dependencies (React, Apollo Client) once. */
const PAGE_LOAD_MS = 30_000;
const VITE_START_MS = 20_000;

const skip = chromiumSkipReason('incident board tests');
const describeInBrowser = skip ? describe.skip : describe;

/** `vite examples/incident-board` (what `npm run board` runs) on 127.0.0.1 port 0; resolves with its URL. */
async function startBoard(gatewayUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const { NODE_ENV: _jestSetsIt, ...env } = process.env;
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  // --bypass-lock: a developer's own `npm run board` must not stop this one.
  const child = spawn(process.execPath, [vite, 'examples/incident-board', '--port', '0', '--bypass-lock'], {
    cwd: root,
    env: { ...env, VITE_GATEWAY_URL: gatewayUrl, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vite did not start within ${VITE_START_MS} ms:\n${output.join('\n')}`)), VITE_START_MS);
    child.once('exit', (code) => reject(new Error(`vite exited with code ${code}:\n${output.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const local = /Local:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(line);
      if (!local) return;
      clearTimeout(timer);
      resolve(local[1]);
    });
  });
  return { url, child };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** What a page sent the gateway: HTTP request bodies and WebSocket messages. */
interface Sent {
  http: Array<Record<string, any>>;
  webSocket: Array<Record<string, any>>;
  errors: string[];
}

describeInBrowser('the live incident board', () => {
  let graph: Graph;
  let browser: Browser;
  let board: { url: string; child: ChildProcess } | undefined;
  const pages: Page[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The trusted documents, enforced, as `npm start` runs the gateway: the board's ids resolve from its manifest.
    graph = await startGraph({ demoDataScale: 0.05, gatewayEnv: { PERSISTED_QUERIES: join(root, 'schema', 'persisted-queries'), PERSISTED_QUERIES_MODE: 'enforce' } });
    [board, browser] = await Promise.all([startBoard(graph.url), launchChromium()]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (board) await stop(board.child);
    await graph?.close();
  });

  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
  });

  /** Opens the board, with `token` in its address or none, and waits until it has loaded and is live. */
  async function openBoard(token?: string): Promise<{ page: Page; sent: Sent }> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    pages.push(page);
    const sent: Sent = { http: [], webSocket: [], errors: [] };
    page.on('request', (request) => {
      if (request.url() === graph.url && request.method() === 'POST') sent.http.push(request.postDataJSON());
    });
    page.on('websocket', (socket) => socket.on('framesent', ({ payload }) => sent.webSocket.push(JSON.parse(String(payload)))));
    page.on('pageerror', (error) => sent.errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') sent.errors.push(message.text());
    });
    await page.goto(token ? `${board!.url}/#token=${token}` : board!.url);
    await page.locator('main[data-loaded="true"]').waitFor({ timeout: PAGE_LOAD_MS });
    await page.locator('[data-phase="live"]').waitFor({ timeout: PAGE_LOAD_MS });
    return { page, sent };
  }

  /** Until the gateway has registered this many subscriptions of users: a change made after it reaches them all. */
  async function subscribed(count: number): Promise<void> {
    await pollUntil(`${count} active subscriptions`, async () => (total(await scrape(graph.metricsUrl), 'palisade_gateway_subscriptions_active', { client_kind: 'user' }) === count ? true : undefined), 10_000);
  }

  it("shows an acme analyst the board and a status change within 2 seconds; a globex analyst sees nothing of it", async () => {
    const writer = await graph.token({ scopes: [...ALL_READ_SCOPES, 'incidents:write'] });
    // A title no demo incident has, so that its absence from globex's page means something.
    const title = `Beaconing to a sinkholed domain from the board test ${Date.now()}`;
    const created = await graph.request('mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { uid } }', {
      token: writer,
      variables: { input: { title, severity: 'CRITICAL', assigneeUid: 'usr-acme-00002' } },
    });
    expect(created.body.errors).toBeUndefined();
    const uid: string = created.body.data!.createIncident.uid;

    const acme = await openBoard(await graph.token({ sub: 'usr-acme-00001', tenant: 'acme', scopes: ANALYST_SCOPES }));
    // Without pii:read: the board shows what the token may read, and says what is hidden.
    const globex = await openBoard(await graph.token({ sub: 'usr-globex-00001', tenant: 'globex', scopes: ANALYST_SCOPES.filter((scope) => scope !== 'pii:read') }));
    const row = acme.page.locator(`tr[data-uid="${uid}"]`);
    await expect(row.locator('.title').textContent()).resolves.toBe(title);
    await expect(row.locator('[data-status]').getAttribute('data-status')).resolves.toBe('NEW');
    expect(await acme.page.locator('tbody tr').count()).toBeGreaterThan(1);
    expect(await globex.page.locator('tbody tr').count()).toBeGreaterThan(0);
    await expect(acme.page.locator('.tenant').textContent()).resolves.toBe('acme');
    await expect(globex.page.locator('.tenant').textContent()).resolves.toBe('globex');
    await expect(globex.page.locator('.banner.notice').textContent()).resolves.toContain('pii:read');
    expect(await acme.page.locator('.banner').count()).toBe(0);
    await subscribed(2);

    const changed = await graph.request(`mutation { updateIncidentStatus(uid: "${uid}", status: IN_PROGRESS) { status } }`, { token: writer });
    expect(changed.body.errors).toBeUndefined();
    const started = performance.now();
    await row.locator('[data-status="IN_PROGRESS"]').waitFor({ timeout: 2000 });
    await acme.page.locator(`.activity li[data-uid="${uid}"]`).waitFor({ timeout: 2000 });
    const shownAfterMs = Math.round(performance.now() - started);
    await acme.page.screenshot({ path: join(ARTIFACTS, 'incident-board-acme.png') });

    // Both pages listen on the same gateway, and acme's has shown the change: globex's has had the same time.
    const globexText = await globex.page.locator('body').innerText();
    expect(globexText).not.toContain(uid);
    expect(globexText).not.toContain(title);
    expect(await globex.page.locator('.activity li').count()).toBe(0);
    await globex.page.screenshot({ path: join(ARTIFACTS, 'incident-board-globex.png') });

    // Sent by persisted id alone: the query over HTTP, the subscription over WebSocket.
    expect(acme.sent.http.length).toBeGreaterThan(0);
    for (const body of acme.sent.http) {
      expect(body).toEqual({ operationName: 'IncidentBoard', variables: {}, extensions: { persistedQuery: { version: 1, sha256Hash: PERSISTED_IDS.get('IncidentBoard') } } });
    }
    const subscribes = acme.sent.webSocket.filter((message) => message.type === 'subscribe');
    expect(subscribes.length).toBeGreaterThan(0);
    for (const { payload } of subscribes) {
      expect(payload).toMatchObject({ query: '', operationName: 'IncidentChanges', extensions: { persistedQuery: { version: 1, sha256Hash: PERSISTED_IDS.get('IncidentChanges') } } });
    }
    expect(acme.page.url()).toContain('#token=');
    expect([...acme.sent.errors, ...globex.sent.errors]).toEqual([]);
    console.log(`incident board: the status change was on the page ${shownAfterMs} ms after the mutation returned`);
  });

  it("opens, without a token in its address, with the development gateway's explorer token (acme's demo user)", async () => {
    const { page, sent } = await openBoard();
    await expect(page.locator('.who').textContent()).resolves.toContain('usr-acme-00001');
    await expect(page.locator('.tenant').textContent()).resolves.toBe('acme');
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(sent.errors).toEqual([]);
  });
});
