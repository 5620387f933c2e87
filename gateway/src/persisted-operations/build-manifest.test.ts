import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildManifest, readOperationFiles, serializeManifest } from './build-manifest';
import { parseManifest } from './manifest';
import { sha256Hex } from './persisted-operation';
import { PersistedOperations } from './persisted-operations';
import { apiSchema, partnerX, recordingLogger, ROOT, SAMPLE_DIRECTORY } from './test-fixtures';

const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const PQ_BUILD = join(ROOT, 'scripts', 'pq-build.ts');

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'palisade-pq-build-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

function pqBuild(...args: string[]) {
  return spawnSync(TSX, [PQ_BUILD, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
}

describe('building a manifest', () => {
  it('puts the fragments an operation uses, from any file, into its body; the id is the SHA-256 of the body', () => {
    const outcome = buildManifest(
      [
        { path: 'a.graphql', text: 'query Team { users(first: 2) { edges { node { ...Person } } } }' },
        { path: 'b.graphql', text: 'fragment Person on User { uid ...Contact }\nfragment Contact on User { email }\nfragment Unused on User { name }' },
        { path: 'c.graphql', text: 'query Board { incidents(first: 1) { totalCount } }' },
      ],
      apiSchema(),
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.problems));
    const [board, team] = outcome.manifest.operations;
    expect(outcome.manifest.operations.map((o) => o.name)).toEqual(['Board', 'Team']);
    expect(team.body).toBe(
      'query Team {\n  users(first: 2) {\n    edges {\n      node {\n        ...Person\n      }\n    }\n  }\n}\n\nfragment Contact on User {\n  email\n}\n\nfragment Person on User {\n  uid\n  ...Contact\n}',
    );
    expect(team).toMatchObject({ id: sha256Hex(team.body), type: 'query' });
    expect(board.body).not.toContain('fragment');
  });

  it('reports each problem once, at its file, line and column', () => {
    const outcome = buildManifest(
      [
        { path: 'ops/a.graphql', text: 'query A { users { edges { node { ...F } } } }\nquery B { users { edges { node { ...F } } } }' },
        { path: 'ops/f.graphql', text: '\nfragment F on User {\n  uid\n  nickname\n}' },
        { path: 'ops/g.graphql', text: '{ users { totalCount } }' },
      ],
      apiSchema(),
    );
    expect(outcome).toEqual({
      ok: false,
      problems: [
        { file: 'ops/g.graphql', line: 1, column: 1, message: 'give this operation a name: the manifest lists operations by name' },
        { file: 'ops/f.graphql', line: 4, column: 3, message: 'Cannot query field "nickname" on type "User". Did you mean "name"?' },
      ],
    });
  });

  it('keeps the committed sample manifests current', () => {
    const samples = [
      { folder: join(ROOT, 'schema', 'operations'), manifest: join(SAMPLE_DIRECTORY, 'manifest.json') },
      { folder: join(ROOT, 'schema', 'operations', 'partner'), manifest: join(SAMPLE_DIRECTORY, 'clients', 'partner-x.json') },
    ];
    for (const sample of samples) {
      const outcome = buildManifest(readOperationFiles(sample.folder), apiSchema());
      if (!outcome.ok) throw new Error(JSON.stringify(outcome.problems));
      // When this fails: npm run pq:build -- schema/operations --out schema/persisted-queries/manifest.json (and for partner-x).
      expect(readFileSync(sample.manifest, 'utf8')).toBe(serializeManifest(outcome.manifest));
    }
    const shared = parseManifest(readFileSync(samples[0].manifest, 'utf8'), 'manifest.json');
    expect(shared.entries.map((e) => e.name)).toEqual(['IncidentBoard', 'IncidentBoardPage', 'IncidentChanges', 'IncidentLookup', 'People', 'UserProfile']);
  });
});

describe('npm run pq:build', () => {
  it('reports an invalid operation as file:line:column and exits 1, writing nothing', () => {
    writeFileSync(join(folder, 'good.graphql'), 'query People { users(first: 5) { edges { node { uid } } } }');
    writeFileSync(join(folder, 'broken.graphql'), 'query Board {\n  incidents(first: 5) {\n    edges { node { uid colour } }\n  }\n}\n');
    const out = join(folder, 'manifest.json');
    const result = pqBuild(folder, '--out', out);
    expect(result.stderr).toContain(`${join(folder, 'broken.graphql')}:3:24: Cannot query field "colour" on type "Incident".`);
    expect(result.status).toBe(1);
    expect(() => readFileSync(out)).toThrow();
  });

  it('writes a manifest the gateway loads, or prints it without --out', () => {
    mkdirSync(join(folder, 'clients'));
    writeFileSync(join(folder, 'Feed.graphql'), 'query Feed { incidents(first: 5) { edges { node { uid title } } } }');
    const printed = pqBuild(folder);
    expect(printed.status).toBe(0);
    const out = join(folder, 'clients', 'partner-x.json');
    expect(pqBuild(folder, '--out', out).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(printed.stdout);
    writeFileSync(join(folder, 'manifest.json'), printed.stdout);

    const operations = PersistedOperations.load({ path: folder, schema: apiSchema(), mode: 'enforce', users: 'any', logger: recordingLogger().logger, watch: false });
    const [feed] = JSON.parse(printed.stdout).operations as { id: string; body: string }[];
    expect(operations.resolve({ documentId: `sha256:${feed.id}` }, partnerX)).toEqual({ params: { query: feed.body }, persistedOperationId: feed.id });
  });

  it('exits 2 on a usage error', () => {
    const missing = pqBuild();
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('name the folder of .graphql files');
    expect(pqBuild(join(folder, 'nowhere')).status).toBe(2);
    expect(pqBuild(folder).stderr).toContain('holds no .graphql files');
    expect(pqBuild(folder, '--colour').status).toBe(2);
  });
});
