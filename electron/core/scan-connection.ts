/**
 * A connection of its own for whole-shard scans, read with the byte-level XRANGE reader
 * (xrange-reply.ts) instead of the client library's reply parser (issue 16: a scan faster than a
 * bare client loop).
 *
 * How: the read client is duplicated (same URL, TLS, credentials, Sentinel or Cluster node, so
 * the new connection is set up, authenticated and checked exactly like every other one), and once
 * it is ready its socket is taken over: ioredis' reply parser is unhooked from it, XRANGE commands
 * are written to it directly and the replies parsed here. ioredis keeps owning the socket's life
 * (close, errors) but never sends on it again: it has no command in flight, no offline queue, no
 * reconnect and no failover detector. This leans on two facts of ioredis 5 (`stream` is the
 * connected socket; its parser is the only `data` listener); both are checked before the socket is
 * used, and when either fails the scan simply uses the ordinary client.
 */
import { createConnection, type Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
// Not re-exported by ioredis' index; a stable path since v4 (connection.ts uses it too).
import * as ioredisConnectors from 'ioredis/built/connectors/index.js';
import { isCommandTimeout, IOREDIS_TIMEOUT_MESSAGE } from './classify';
import { CONNECT_TIMEOUT_MS, isClusterClient, watchClientErrors, type RedisLike } from './connection';
import { ReplySurprise, XrangeReplyParser, type XrangePage } from './xrange-reply';

interface Pending {
  resolve(page: XrangePage): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

interface SocketLike {
  write(data: Uint8Array): boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  removeAllListeners(event: string): unknown;
  listenerCount(event: string): number;
  destroyed?: boolean;
}

/** Bytes of one socket read on a {@link ScanConnector} socket go here once the scan has taken it over. */
const sinks = new WeakMap<Socket, (chunk: Uint8Array) => void>();
/** Read size of a {@link ScanConnector} socket (Node's own default). */
const READ_BUFFER = 64 * 1024;

const { StandaloneConnector } = ioredisConnectors;

/**
 * ioredis' plain-TCP connector, except that the socket reads into one buffer of its own (Node's
 * `onread`) instead of allocating a new one per read. A scan reads hundreds of megabytes; a fresh
 * buffer per read left tens of megabytes of dead buffers waiting for the garbage collector (issue
 * 16: `scan --json` peak RSS). Until the scan takes the socket over, every read is handed to
 * ioredis as a copy in an ordinary `data` event, so its handshake (AUTH, SELECT, SETNAME) is
 * unchanged; afterwards reads go straight to the scan's parser, which copies what it keeps.
 * TLS and Unix sockets use ioredis' own connector (no `onread` there).
 */
class ScanConnector extends StandaloneConnector {
  override connect(emitter: Parameters<InstanceType<typeof StandaloneConnector>['connect']>[0]) {
    const options = this.options;
    if (options.tls || options.path) return super.connect(emitter).then(keepListening);
    this.connecting = true;
    return new Promise<Socket>((resolve, reject) => {
      // Like ioredis: connect on the next tick, unless disconnect() came first.
      process.nextTick(() => {
        if (!this.connecting) {
          reject(new Error('Connection is closed.'));
          return;
        }
        let socket: Socket;
        try {
          socket = createConnection({
            ...(options.port !== undefined ? { port: options.port } : { port: 6379 }),
            ...(options.host !== undefined ? { host: options.host } : {}),
            ...(options.family !== undefined ? { family: options.family } : {}),
            onread: {
              buffer: Buffer.allocUnsafe(READ_BUFFER),
              callback: (n: number, buf: Uint8Array) => {
                const sink = sinks.get(socket);
                if (sink) sink(buf.subarray(0, n));
                else socket.emit('data', Buffer.from(buf.subarray(0, n)));
                return true;
              },
            },
          });
        } catch (e) {
          reject(e);
          return;
        }
        this.stream = socket;
        socket.once('error', (err: Error) => {
          this.firstError = err;
        });
        resolve(keepListening(socket));
      });
    });
  }
}

/** As connection.ts' guarded connectors: a second socket error must not become an uncaught exception. */
function keepListening<T extends { on(event: 'error', l: (e: unknown) => void): unknown }>(stream: T): T {
  stream.on('error', () => {});
  return stream;
}

/**
 * One taken-over connection. Commands are answered in the order they were sent; several may be in
 * flight (the scan keeps one page ahead).
 *
 * Guarantees:
 * - `range` sends exactly `XRANGE key start end COUNT count` and resolves with that reply's page
 *   (an error reply resolves too, as a page with `error`);
 * - a reply not received within `timeoutMs` rejects with ioredis' timeout error (so it is
 *   classified as a command timeout) and closes the connection, as does a lost connection or a
 *   reply the reader does not expect ({@link ReplySurprise}); every later `range` then rejects at
 *   once, and the caller reads on through the ordinary client;
 * - `close` is idempotent and rejects whatever is still in flight.
 */
export class ScanConnection {
  private readonly parser = new XrangeReplyParser();
  private readonly pending: Pending[] = [];
  private failure: Error | null = null;
  private busyFailure = false;
  private readonly onData = (chunk: Uint8Array) => this.receive(chunk);
  private readonly onClose = () => this.fail(new Error('Connection is closed.'));

  private constructor(
    private readonly client: Redis,
    private readonly socket: SocketLike,
    private readonly timeoutMs: number,
    /** Called once per command written (the app's own command count, PRODUCT.md feature 13). */
    private readonly onCommand: (() => void) | undefined,
  ) {
    // A ScanConnector socket hands its reads to the sink; any other one emits `data`.
    sinks.set(socket as unknown as Socket, this.onData);
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
  }

  /**
   * A ready scan connection to the node that holds `key`, or null when one cannot be had (no
   * duplicable client, connect failure, an ioredis whose socket does not look as expected): the
   * caller then reads through `client` itself. Never throws.
   */
  static async open(client: RedisLike, key: string, opts: { timeoutMs: number; onCommand?: () => void }): Promise<ScanConnection | null> {
    const base = isClusterClient(client) ? clusterNodeFor(client, key) : client;
    if (!base || typeof base.duplicate !== 'function') return null;
    let conn: Redis;
    try {
      const name = base.options.connectionName;
      conn = base.duplicate({
        lazyConnect: true,
        enableOfflineQueue: false,
        enableAutoPipelining: false,
        autoResubscribe: false,
        autoResendUnfulfilledCommands: false,
        maxRetriesPerRequest: 0,
        // No INFO ready check (an ACL may refuse INFO, and ioredis then warns on stderr): a server
        // still loading answers the first XRANGE with LOADING, and the scan reads through the
        // client, which reports it as it always does.
        enableReadyCheck: false,
        // A lost scan connection is not re-established: the scan reads on through the client.
        retryStrategy: () => null,
        sentinelRetryStrategy: () => null,
        failoverDetector: false,
        ...(name ? { connectionName: name.replace(/:[^:]*$/, ':scan') } : {}),
        // Sentinel clients keep their connector (it asks the sentinels where the master is).
        ...(base.options.sentinels ? {} : { Connector: ScanConnector as unknown as NonNullable<typeof base.options.Connector> }),
      });
    } catch {
      return null;
    }
    watchClientErrors(conn);
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('scan connection not ready in time')), CONNECT_TIMEOUT_MS + 2 * opts.timeoutMs);
      });
      const connecting = conn.connect();
      connecting.catch(() => {});
      await Promise.race([connecting, deadline]);
    } catch {
      conn.disconnect();
      return null;
    } finally {
      clearTimeout(timer);
    }
    const socket = (conn as unknown as { stream?: SocketLike }).stream;
    const queue = (conn as unknown as { commandQueue?: { length: number } }).commandQueue;
    if (
      conn.status !== 'ready' ||
      !socket ||
      typeof socket.write !== 'function' ||
      typeof socket.removeAllListeners !== 'function' ||
      socket.listenerCount('data') !== 1 ||
      !queue ||
      queue.length !== 0
    ) {
      conn.disconnect();
      return null;
    }
    // ioredis' parser would otherwise consume (and mis-assign) the replies.
    socket.removeAllListeners('data');
    return new ScanConnection(conn, socket as SocketLike & Partial<Socket>, opts.timeoutMs, opts.onCommand);
  }

  /** Whether the connection has failed or been closed (every `range` then rejects). */
  get failed(): boolean {
    return this.failure !== null;
  }

  /**
   * Whether it failed with a command in flight (as opposed to being closed while idle, e.g. by
   * the server's `timeout`): a connection that fails while it works is not worth many retries.
   */
  get failedWhileBusy(): boolean {
    return this.busyFailure;
  }

  /** `XRANGE key start end COUNT count`; see the class guarantees. */
  range(key: string, start: string, end: string, count: number): Promise<XrangePage> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<XrangePage>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(Object.assign(new Error(IOREDIS_TIMEOUT_MESSAGE), { name: 'TimeoutError' })), this.timeoutMs);
      this.pending.push({ resolve, reject, timer });
      this.socket.write(command(['XRANGE', key, start, end, 'COUNT', String(count)]));
      this.onCommand?.();
    });
  }

  /** Gives a page's memory back once it has been analysed (see XrangeReplyParser.recycle). */
  recycle(page: XrangePage): void {
    this.parser.recycle(page);
  }

  /** Closes the connection; anything in flight rejects. */
  close(): void {
    this.fail(new Error('scan connection closed'));
  }

  private receive(chunk: Uint8Array): void {
    let pages: XrangePage[];
    try {
      pages = this.parser.push(chunk);
    } catch (e) {
      this.fail(e instanceof Error ? e : new ReplySurprise(String(e)));
      return;
    }
    for (const page of pages) {
      const p = this.pending.shift();
      if (!p) {
        this.fail(new ReplySurprise('a reply nobody asked for'));
        return;
      }
      clearTimeout(p.timer);
      p.resolve(page);
    }
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.busyFailure = this.pending.length > 0;
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    sinks.delete(this.socket as unknown as Socket);
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.client.disconnect();
  }
}

/** True for the timeout rejection of {@link ScanConnection.range}. */
export function isScanTimeout(e: unknown): boolean {
  return isCommandTimeout(e);
}

/** RESP2 array of bulk strings. */
function command(args: string[]): Buffer {
  let head = `*${args.length}\r\n`;
  const parts: string[] = [];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  head += parts.join('');
  return Buffer.from(head, 'utf8');
}

/** The master that serves `key`'s slot in the Cluster's current slot map, if it is known. */
function clusterNodeFor(cluster: Cluster, key: string): Redis | undefined {
  const owner = cluster.slots[keySlot(key)]?.[0];
  if (owner === undefined) return undefined;
  return cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
}

/**
 * Redis Cluster's hash slot of a key: CRC16 (XMODEM) of the key's UTF-8 bytes, or of its hash tag
 * (the part between the first `{` and the next `}` when that part is not empty), modulo 16384.
 */
export function keySlot(key: string): number {
  let bytes: Uint8Array = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc & 16383;
}

/**
 * One scan connection shared by everything of a session that reads whole shards page by page (the
 * browser's shard indexes): opened on first use, opened again after the server closed it while
 * idle, and after it failed while reading up to three times; closed with the session. A Cluster has none (its readers use the adapter's client, which follows
 * the slots); nor does a session whose first attempt could not connect.
 */
export class SharedScanConnection {
  private conn: Promise<ScanConnection | null> | null = null;
  private reopens = 0;
  private closed = false;

  constructor(
    private readonly client: () => RedisLike,
    private readonly timeoutMs: number,
    private readonly onCommand?: () => void,
  ) {}

  /** The connection for reading `key`, or null: read through the adapter instead. */
  async connection(key: string): Promise<ScanConnection | null> {
    const client = this.client();
    if (this.closed || isClusterClient(client)) return null;
    if (this.conn) {
      const c = await this.conn;
      if (c === null || !c.failed) return c;
      // Closed while idle (a server `timeout`): simply open another. Failed while reading: a few
      // more tries, then the adapter's client for the rest of the session.
      if (c.failedWhileBusy) {
        if (this.reopens >= 3) return null;
        this.reopens++;
      }
    }
    this.conn = ScanConnection.open(client, key, { timeoutMs: this.timeoutMs, ...(this.onCommand ? { onCommand: this.onCommand } : {}) });
    const c = await this.conn;
    if (this.closed) c?.close();
    return this.closed ? null : c;
  }

  close(): void {
    this.closed = true;
    void this.conn?.then((c) => c?.close());
  }
}
