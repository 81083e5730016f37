/**
 * Seeding big streams for the shard browser's tests and UI bench: XADD commands written as raw
 * RESP on one socket in chunks (pipelined), replies counted. Arguments may be Buffers, so a test
 * can store bytes that are not UTF-8 (a corrupt `d`) in the middle of a million entries.
 */
import { connect, type Socket } from 'node:net';

export type Arg = string | Buffer;

function resp(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Sends every command, `chunk` at a time, and waits for all replies; rejects on an error reply. */
export async function pipeline(host: string, port: number, commands: Iterable<Arg[]>, chunk = 10_000): Promise<number> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(port, host, () => resolve(s));
    s.once('error', reject);
  });
  let replies = 0;
  let pending: Buffer = Buffer.alloc(0);
  let failure: Error | null = null;
  let waiter: { target: number; resolve: () => void; reject: (e: Error) => void } | null = null;
  socket.on('data', (data: Buffer) => {
    pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
    let at = 0;
    for (;;) {
      const nl = pending.indexOf('\r\n', at);
      if (nl < 0) break;
      const type = pending[at];
      if (type === 0x2d) {
        failure = new Error(pending.subarray(at, nl).toString());
        at = nl + 2;
        replies++;
      } else if (type === 0x24) {
        const len = Number(pending.subarray(at + 1, nl).toString());
        const end = len < 0 ? nl + 2 : nl + 2 + len + 2;
        if (end > pending.length) break;
        at = end;
        replies++;
      } else {
        at = nl + 2;
        replies++;
      }
    }
    pending = pending.subarray(at);
    if (waiter && (failure || replies >= waiter.target)) {
      const w = waiter;
      waiter = null;
      if (failure) w.reject(failure);
      else w.resolve();
    }
  });
  const until = (target: number) =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      if (replies >= target) return resolve();
      waiter = { target, resolve, reject };
    });
  let sent = 0;
  try {
    let batch: Buffer[] = [];
    for (const args of commands) {
      batch.push(resp(args));
      if (batch.length === chunk) {
        sent += batch.length;
        socket.write(Buffer.concat(batch));
        batch = [];
        await until(sent);
      }
    }
    if (batch.length > 0) {
      sent += batch.length;
      socket.write(Buffer.concat(batch));
      await until(sent);
    }
    return sent;
  } finally {
    socket.destroy();
  }
}
