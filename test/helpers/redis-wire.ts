/**
 * Seeing exactly what reaches Redis, for byte-exactness tests:
 * - `startMonitor`: a raw `MONITOR` connection whose lines are decoded back to the exact argument
 *   bytes (Redis escapes them with sdscatrepr; ioredis' own monitor parser is not byte-exact);
 * - `startRecordingProxy`: a loopback TCP proxy that records every byte clients send, so RESP
 *   frames can be compared with the contract's examples byte for byte, and that can hold back or
 *   act on a frame (e.g. kill the server the moment EXEC has been forwarded).
 * Test-only: the inspector itself never uses MONITOR (PRODUCT.md feature 13).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface MonitoredCommand {
  /** Arguments exactly as Redis received them, command name included. */
  args: Buffer[];
  /** `args` as UTF-8 text (lossy), for readable assertions. */
  text: string[];
}

export interface Monitor {
  commands: MonitoredCommand[];
  /** Resolves with the first command (already seen or future) for which `pred` holds. */
  waitFor(pred: (c: MonitoredCommand) => boolean): Promise<MonitoredCommand>;
  /** Forgets what was seen so far. */
  clear(): void;
  close(): void;
}

/** Opens a raw MONITOR connection and resolves once Redis has confirmed it (`+OK`). */
export function startMonitor(port: number, password?: string): Promise<Monitor> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const commands: MonitoredCommand[] = [];
    const waiters: { pred: (c: MonitoredCommand) => boolean; resolve: (c: MonitoredCommand) => void }[] = [];
    // Lines can be megabytes (a 5 MB payload): keep chunks and join only at a line end. MONITOR
    // escapes every \n inside arguments, so a raw \n always ends a line.
    let parts: Buffer[] = [];
    let confirmed = false;
    const expectedOks = password ? 2 : 1;
    let oks = 0;
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, from);
        if (nl < 0) {
          if (from < chunk.length) parts.push(chunk.subarray(from));
          break;
        }
        parts.push(chunk.subarray(from, nl));
        from = nl + 1;
        const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        parts = [];
        const line = joined[joined.length - 1] === 0x0d ? joined.subarray(0, joined.length - 1) : joined;
        if (!confirmed) {
          if (line.toString() !== '+OK') {
            reject(new Error(`MONITOR refused: ${line.toString()}`));
            return;
          }
          if (++oks === expectedOks) {
            confirmed = true;
            resolve(monitor);
          }
          continue;
        }
        const cmd = parseMonitorLine(line);
        if (!cmd) continue;
        commands.push(cmd);
        for (let k = waiters.length - 1; k >= 0; k--) {
          const w = waiters[k]!;
          if (w.pred(cmd)) {
            waiters.splice(k, 1);
            w.resolve(cmd);
          }
        }
      }
    });
    const monitor: Monitor = {
      commands,
      waitFor(pred) {
        const seen = commands.find(pred);
        if (seen) return Promise.resolve(seen);
        return new Promise((res) => waiters.push({ pred, resolve: res }));
      },
      clear() {
        commands.length = 0;
      },
      close() {
        socket.destroy();
      },
    };
    socket.write((password ? `AUTH ${password}\r\n` : '') + 'MONITOR\r\n');
  });
}

/**
 * `+1700000000.123456 [0 127.0.0.1:5555] "XADD" "k" ...` → arguments as bytes, undoing Redis'
 * sdscatrepr quoting: \\ \" \n \r \t \a \b and \xHH.
 */
export function parseMonitorLine(line: Buffer): MonitoredCommand | null {
  const close = line.indexOf('] ');
  if (line[0] !== 0x2b || close < 0) return null;
  const args: Buffer[] = [];
  const simple: Record<number, number> = { 0x5c: 0x5c, 0x22: 0x22, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x61: 0x07, 0x62: 0x08 };
  let i = close + 2;
  while (i < line.length) {
    if (line[i] !== 0x22) throw new Error(`unexpected MONITOR line: ${line.subarray(0, 200).toString()}`);
    i++;
    const pieces: Buffer[] = [];
    let run = i;
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error('unterminated argument in MONITOR line');
      if (c === 0x22) {
        pieces.push(line.subarray(run, i));
        i++;
        break;
      }
      if (c === 0x5c) {
        pieces.push(line.subarray(run, i));
        const e = line[i + 1]!;
        if (e === 0x78) {
          pieces.push(Buffer.from([parseInt(line.subarray(i + 2, i + 4).toString(), 16)]));
          i += 4;
        } else if (simple[e] !== undefined) {
          pieces.push(Buffer.from([simple[e]!]));
          i += 2;
        } else {
          throw new Error('unknown escape in MONITOR line');
        }
        run = i;
        continue;
      }
      i++;
    }
    args.push(Buffer.concat(pieces));
    if (line[i] === 0x20) i++;
  }
  return { args, text: args.map((a) => a.toString('utf8')) };
}

export interface RecordingProxy {
  port: number;
  url: string;
  /** Everything each client connection sent, in order of connection. */
  sent(): Buffer[];
  /**
   * Called with each client chunk before it is forwarded; return the bytes to forward (e.g. the
   * chunk without a trailing EXEC), and `after` runs once they are written.
   */
  intercept(fn: ((conn: number, chunk: Buffer) => { forward: Buffer; after?: () => void }) | null): void;
  /**
   * Cuts client connection `conn` as a network would: the client sees its socket close. With
   * `keepUpstream` the server side stays open (Redis still answers what it got, to nobody);
   * without it Redis sees the connection close too.
   */
  drop(conn: number, opts?: { keepUpstream?: boolean }): void;
  close(): Promise<void>;
}

/** A loopback proxy to `127.0.0.1:targetPort` that records client bytes. */
export function startRecordingProxy(targetPort: number): Promise<RecordingProxy> {
  const buffers: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const pairs: Array<{ client: Socket; upstream: Socket; keep: boolean }> = [];
  let hook: Parameters<RecordingProxy['intercept']>[0] = null;
  const server: Server = createServer((client) => {
    const conn = buffers.length;
    const chunks: Buffer[] = [];
    buffers.push(chunks);
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const pair = { client, upstream, keep: false };
    pairs.push(pair);
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (hook) {
        const { forward, after } = hook(conn, chunk);
        if (forward.length > 0) upstream.write(forward, () => after?.());
        else after?.();
      } else {
        upstream.write(chunk);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      if (!pair.keep) upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        port,
        url: `redis://127.0.0.1:${port}`,
        sent: () => buffers.map((b) => Buffer.concat(b)),
        intercept(fn) {
          hook = fn;
        },
        drop(conn, opts = {}) {
          const p = pairs[conn];
          if (!p) return;
          p.keep = opts.keepUpstream === true;
          p.client.destroy();
        },
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}

/** Splits a client byte stream into RESP command frames (arrays of bulk strings), each as its exact bytes. */
export function splitRespFrames(bytes: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let i = 0;
  while (i < bytes.length) {
    const start = i;
    if (bytes[i] !== 0x2a) throw new Error(`not a RESP array at byte ${i}`);
    let eol = bytes.indexOf('\r\n', i);
    const count = Number(bytes.subarray(i + 1, eol).toString());
    i = eol + 2;
    for (let k = 0; k < count; k++) {
      if (bytes[i] !== 0x24) throw new Error(`not a bulk string at byte ${i}`);
      eol = bytes.indexOf('\r\n', i);
      const len = Number(bytes.subarray(i + 1, eol).toString());
      i = eol + 2 + len + 2;
    }
    frames.push(bytes.subarray(start, i));
  }
  return frames;
}

/** The command name of a RESP frame, upper-cased. */
export function frameCommand(frame: Buffer): string {
  const first = frame.indexOf('\r\n');
  const lenEnd = frame.indexOf('\r\n', first + 2);
  const len = Number(frame.subarray(first + 3, lenEnd).toString());
  return frame.subarray(lenEnd + 2, lenEnd + 2 + len).toString().toUpperCase();
}
