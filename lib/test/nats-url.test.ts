import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { NatsChanges } from '../change-events/nats';
import { captureLogger } from '../change-events/test/support';
import { ConfigError } from '../errors';
import { natsServerOptions, redactNatsUrl } from '../nats-url';

describe('NATS_URL', () => {
  it('lifts user and password, or a token, out of the URLs the client is given', () => {
    expect(natsServerOptions('nats://127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
    expect(natsServerOptions('nats://palisade:s%40cret@nats-0:4222, nats://palisade:s%40cret@nats-1:4222')).toEqual({
      servers: ['nats://nats-0:4222', 'nats://nats-1:4222'],
      user: 'palisade',
      pass: 's@cret',
    });
    expect(natsServerOptions('tls://t0ken@nats.example:4222')).toEqual({ servers: ['tls://nats.example:4222'], token: 't0ken' });
    expect(natsServerOptions('127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
  });

  it.each([
    ['', 'NATS_URL: names no server; expected nats://host:4222'],
    ['nats://a:1@h1:4222,nats://a:2@h2:4222', 'NATS_URL: the servers carry different credentials; give every server the same ones'],
    ['nats://user:pw@[bad', 'NATS_URL: "nats://[redacted]@[bad" is not a server URL; expected nats://host:4222'],
    ['http://user:pw@127.0.0.1:4222', 'NATS_URL: "http://[redacted]@127.0.0.1:4222" is not a NATS server URL; expected nats://host:4222 (or tls://)'],
  ])('refuses %j, never showing a password', (url, message) => {
    expect(() => natsServerOptions(url)).toThrow(new ConfigError('NATS_URL', message.replace('NATS_URL: ', '')));
  });

  it('redacts credentials wherever a URL is shown', () => {
    expect(redactNatsUrl('nats://u:p@a:4222,nats://t@b:4222')).toBe('nats://[redacted]@a:4222,nats://[redacted]@b:4222');
  });
});

/** Debian's nats-server, which every machine of ours has beside the running NATS; started here with a password. */
const NATS_SERVER = '/usr/sbin/nats-server';
if (!existsSync(NATS_SERVER)) console.warn(`NATS with a password skipped: ${NATS_SERVER} is not installed (apt-get install nats-server)`);

(existsSync(NATS_SERVER) ? describe : describe.skip)('a NATS that requires a password', () => {
  let server: ChildProcess;
  let address: string;
  let storeDir: string;

  beforeAll(async () => {
    storeDir = mkdtempSync(join(tmpdir(), 'palisade-nats-'));
    // -p -1: a port the server picks, read back from its log.
    server = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', '-1', '--user', 'palisade', '--pass', 's@cret', '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    address = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stderr! }).on('line', (line) => {
        const listening = /Listening for client connections on (127\.0\.0\.1:\d+)/.exec(line);
        if (listening) resolve(listening[1]);
      });
      server.once('exit', (code) => reject(new Error(`nats-server exited with ${code}`)));
    });
  });

  afterAll(() => {
    server?.kill();
    rmSync(storeDir, { recursive: true, force: true });
  });

  it('is reached with the credentials NATS_URL carries, and refuses a wrong password with a ConfigError that hides it', async () => {
    const { logger } = captureLogger();
    const changes = await NatsChanges.connect({ url: `nats://palisade:s%40cret@${address}`, logger, connectTimeoutMs: 2_000 });
    await changes.close();
    const refused = NatsChanges.connect({ url: `nats://palisade:wrong-one@${address}`, logger, connectTimeoutMs: 2_000 });
    const error = (await refused.catch((caught: unknown) => caught)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^NATS_URL: could not connect to NATS at nats:\/\/\[redacted\]@127\.0\.0\.1:\d+: .*[Aa]uthorization/);
    expect(error.message).not.toContain('wrong-one');
  });
});
