import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareTokenAndJwks, SAMPLE_MANIFEST_PATH, startPalisade } from './gateways';
import { runLoad } from './load';
import { startSubgraphs } from './subgraphs';
import { gatewayTarget } from './targets';
import { readManifest, WORKLOADS } from './workloads';

async function main() {
  const workDir = mkdtempSync(join(tmpdir(), 'diag-'));
  const sg = await startSubgraphs(1);
  const { token, jwksFile } = await prepareTokenAndJwks(workDir);
  const a = await startPalisade({ subgraphs: sg, workDir, jwksFile, manifestPath: SAMPLE_MANIFEST_PATH });
  const t = gatewayTarget('A', a, WORKLOADS[0], readManifest(SAMPLE_MANIFEST_PATH), token);
  for (const c of [Number(process.argv[2] ?? 50)]) {
    const s = await runLoad({ url: t.url, body: t.body, headers: t.headers, connections: c, durationSeconds: 10 });
    const l = s.latenciesMs.sort((x, y) => x - y);
    console.log('conns', c, 'responses', s.requests, 'p50', l[Math.floor(l.length / 2)], 'errors', s.non2xx + s.graphqlErrors, s.errorExample?.slice(0, 300));
  }
  console.log(a.output().split('\n').filter((l) => !l.includes('"audit"') && !l.includes('"type":"operation"')).slice(-15).map((l) => l.slice(0, 400)).join('\n'));
  await a.stop(); await sg.close(); process.exit(0);
}
main();
