/**
 * A contract client for a running `serve` process (test/helpers/e2e.ts `startServeProcess`), the
 * way a script or the browser page talks to it: one authenticated WebSocket, invokes answered by
 * id (any number in flight at once), events ignored.
 */
import { WebSocket } from 'ws';
import type { ChannelName, Envelope, RequestOf, ResponseOf } from '../../shared/contract';
import type { ServeProcess } from './e2e';

export interface ServeClient {
  call<C extends ChannelName>(channel: C, req: RequestOf<C>): Promise<Envelope<ResponseOf<C>>>;
  /** The value, or throws naming the channel and the error. */
  ok<C extends ChannelName>(channel: C, req: RequestOf<C>): Promise<ResponseOf<C>>;
  close(): void;
}

/** Connects to `serve` with the token it printed; resolves once the server said hello. */
export function connectServe(serve: ServeProcess): Promise<ServeClient> {
  const url = new URL(serve.url);
  const token = url.searchParams.get('token') ?? '';
  const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/ws?token=${encodeURIComponent(token)}`, { origin: serve.origin });
  const pending = new Map<number, (e: Envelope<unknown>) => void>();
  let next = 0;
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; id?: number; envelope?: Envelope<unknown> };
      if (m.type === 'hello') {
        resolve(client);
        return;
      }
      if (m.type === 'result' && typeof m.id === 'number' && m.envelope) {
        pending.get(m.id)?.(m.envelope);
        pending.delete(m.id);
      }
    });
    ws.on('close', () => {
      for (const done of pending.values()) done({ ok: false, error: { kind: 'transient', message: 'socket closed' } });
      pending.clear();
    });
    const client: ServeClient = {
      call(channel, req) {
        const id = ++next;
        return new Promise((done) => {
          pending.set(id, done as (e: Envelope<unknown>) => void);
          ws.send(JSON.stringify({ type: 'invoke', id, channel, payload: req }));
        });
      },
      async ok(channel, req) {
        const env = await client.call(channel, req);
        if (!env.ok) throw new Error(`${channel} failed: ${env.error.kind} ${env.error.message}`);
        return env.value;
      },
      close() {
        ws.close();
      },
    };
  });
}
