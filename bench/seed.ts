/**
 * Fast seeding for benchmarks: XADD commands written as raw RESP on one socket in large chunks,
 * replies counted, not parsed into objects. A million entries take seconds instead of the half
 * minute an ioredis pipeline of Command objects needs.
 */
import { connect, type Socket } from 'node:net';

/** Writes `commands` (each an argument list) to Redis at host:port and waits for every reply. Throws on an error reply. */
export async function sendRaw(host: string, port: number, commands: Iterable<string[]>, chunk = 20_000): Promise<number> {
  const socket = await open(host, port);
  const replies = new ReplyCounter(socket);
  let sent = 0;
  try {
    let parts: Buffer[] = [];
    let inChunk = 0;
    for (const args of commands) {
      parts.push(resp(args));
      inChunk++;
      if (inChunk === chunk) {
        sent += inChunk;
        socket.write(Buffer.concat(parts));
        parts = [];
        inChunk = 0;
        await replies.until(sent);
      }
    }
    if (inChunk > 0) {
      sent += inChunk;
      socket.write(Buffer.concat(parts));
      await replies.until(sent);
    }
    return sent;
  } finally {
    socket.destroy();
  }
}

function resp(args: string[]): Buffer {
  let head = `*${args.length}\r\n`;
  const bodies: Buffer[] = [];
  for (const a of args) {
    const b = Buffer.from(a, 'utf8');
    bodies.push(Buffer.from(`${head}$${b.length}\r\n`), b);
    head = '\r\n';
  }
  bodies.push(Buffer.from('\r\n'));
  return Buffer.concat(bodies);
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host, () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Counts top-level RESP replies of the simple shapes XADD/OK produce (`$n` bulk strings, `+` and
 * `:` lines); an error reply (`-`) fails the wait.
 */
class ReplyCounter {
  private count = 0;
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: { target: number; resolve: () => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(socket: Socket) {
    socket.on('data', (data: Buffer) => this.feed(data));
    socket.on('error', (e) => this.fail(e));
  }

  until(target: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve, reject) => (this.waiter = { target, resolve, reject }));
  }

  private feed(data: Buffer): void {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    let at = 0;
    for (;;) {
      const eol = this.buffer.indexOf('\r\n', at);
      if (eol < 0) break;
      const type = this.buffer[at];
      if (type === 0x24) {
        const n = Number(this.buffer.toString('latin1', at + 1, eol));
        const end = n < 0 ? eol + 2 : eol + 2 + n + 2;
        if (end > this.buffer.length) break;
        at = end;
      } else if (type === 0x2d) {
        this.fail(new Error(`Redis error while seeding: ${this.buffer.toString('utf8', at + 1, eol)}`));
        return;
      } else {
        at = eol + 2;
      }
      this.count++;
    }
    this.buffer = this.buffer.subarray(at);
    if (this.waiter && this.count >= this.waiter.target) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve();
    }
  }

  private fail(e: Error): void {
    this.failure = e;
    this.waiter?.reject(e);
    this.waiter = null;
  }
}
