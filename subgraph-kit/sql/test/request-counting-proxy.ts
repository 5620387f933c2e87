import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * Forwards PostgreSQL connections on loopback and counts the requests clients send: each simple Query ('Q') and
 * each Sync ('S') of the extended protocol is answered by one ReadyForQuery. It can hold the server's answers back
 * until a number of requests has arrived, which shows whether a client sends without waiting for answers.
 */
export class RequestCountingProxy {
  requests = 0;
  private releaseAt = 0;
  private readonly held: Array<{ to: Socket; chunk: Buffer }> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async open(target: URL): Promise<RequestCountingProxy> {
    let proxy: RequestCountingProxy | undefined;
    const server = createServer((client) => proxy!.forward(client, Number(target.port || 5432), target.hostname));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String((server.address() as AddressInfo).port);
    proxy = new RequestCountingProxy(server, url.toString());
    return proxy;
  }

  holdAnswersUntil(requests: number): void {
    this.releaseAt = requests;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private forward(client: Socket, port: number, host: string): void {
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined).on('close', () => (client.destroy(), upstream.destroy()));
    }
    // The startup message has no type byte; every message after it is a type byte and a length that counts itself.
    let pending = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk) => {
      upstream.write(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const header = started ? 1 : 0;
        if (pending.length < header + 4) break;
        const size = header + pending.readInt32BE(header);
        if (pending.length < size) break;
        if (started && (pending[0] === 0x51 || pending[0] === 0x53)) this.requests += 1;
        started = true;
        pending = pending.subarray(size);
      }
      if (this.requests >= this.releaseAt) for (const { to, chunk: held } of this.held.splice(0)) to.write(held);
    });
    upstream.on('data', (chunk) => {
      if (this.requests < this.releaseAt) this.held.push({ to: client, chunk });
      else client.write(chunk);
    });
  }
}
