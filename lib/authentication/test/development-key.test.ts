import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../errors';
import { DEVELOPMENT_KEY_FILE, loadOrCreateDevelopmentKey } from '../development-key';

describe('loadOrCreateDevelopmentKey', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'palisade-auth-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('generates the key once, readable only by its owner, and reuses it afterwards', async () => {
    const dataDirectory = join(directory, 'nested', 'data');
    const first = await loadOrCreateDevelopmentKey(dataDirectory);
    const file = join(dataDirectory, DEVELOPMENT_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: first.kid });
    expect(first.publicJwk).not.toHaveProperty('d');
    const second = await loadOrCreateDevelopmentKey(dataDirectory);
    expect(second.kid).toBe(first.kid);
    expect(second.publicJwk).toEqual(first.publicJwk);
  });

  it('gives concurrent creators the same key and leaves no temporary files', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateDevelopmentKey(directory)));
    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
    expect(await readdir(directory)).toEqual([DEVELOPMENT_KEY_FILE]);
  });

  it('refuses a damaged key file with a message naming it', async () => {
    await writeFile(join(directory, DEVELOPMENT_KEY_FILE), '{"kty":"oct","k":"c2VjcmV0"}');
    await expect(loadOrCreateDevelopmentKey(directory)).rejects.toThrow(ConfigError);
    await expect(loadOrCreateDevelopmentKey(directory)).rejects.toThrow(/dev-signing-key\.json is not a Palisade development signing key/);
  });
});
