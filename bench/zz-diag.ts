import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareTokenAndJwks, SAMPLE_MANIFEST_PATH, startPalisade, startStockGateway, writeStockSupergraph } from './gateways';
import { startSubgraphs } from './subgraphs';
import { directTarget, gatewayTarget } from './targets';
import { readManifest, WORKLOADS } from './workloads';

async function main() {
  const scale = Number(process.argv[2] ?? 1);
  const workDir = mkdtempSync(join(tmpdir(), 'diag-'));
  const sg = await startSubgraphs(scale);
  console.log('startup', sg.startupMs);
  const { token, jwksFile } = await prepareTokenAndJwks(workDir);
  const setup = { subgraphs: sg, workDir, jwksFile, manifestPath: SAMPLE_MANIFEST_PATH };
  const stock = writeStockSupergraph(workDir, sg.urls);
  const gws = { A: await startPalisade(setup), B: await startStockGateway('B', setup, stock), C: await startStockGateway('C', setup, stock) };
  const manifest = readManifest(SAMPLE_MANIFEST_PATH);
  const targets = [];
  for (const w of WORKLOADS) for (const k of ['A', 'B', 'C'] as const) targets.push(gatewayTarget(k, gws[k], w, manifest, token));
  targets.push(directTarget('direct', sg.urls.incidents, manifest.get('IncidentLookup')!, WORKLOADS[2], sg, 600));
  for (const t of targets) {
    const times: number[] = [];
    let trips = 0;
    for (let i = 0; i < 15; i++) {
      const before = sg.roundTrips();
      const start = performance.now();
      const r = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: t.body });
      await r.text();
      times.push(performance.now() - start);
      trips = sg.roundTrips() - before;
    }
    times.sort((a, b) => a - b);
    console.log(t.label.padEnd(40), 'median', times[7].toFixed(1), 'ms  min', times[0].toFixed(1), ' db', trips);
  }
  for (const g of Object.values(gws)) await g.stop();
  await sg.close();
  process.exit(0);
}
main();
