/**
 * Drives the real core service through the real gate (dispatch) the way both transports do:
 * requests and answers are JSON round-tripped, so nothing passes that a wire would not carry.
 */
import { dispatch } from '../../electron/core/dispatch';
import type { MeshService, SecretStore } from '../../electron/core/service-api';
import type { ChannelName, Envelope, RequestOf, ResponseOf } from '../../shared/contract';

/** A secret store in memory (the hosts' stores are tested on their own). */
export class MemorySecrets implements SecretStore {
  readonly map = new Map<string, string>();
  async get(id: string) {
    return this.map.get(id);
  }
  async set(id: string, s: string) {
    this.map.set(id, s);
  }
  async delete(id: string) {
    this.map.delete(id);
  }
}

export const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** `call` answers the envelope; `ok` the value, or throws naming the channel and the error. */
export function serviceGate(service: () => MeshService) {
  function call<C extends ChannelName>(channel: C, req: RequestOf<C>): Promise<Envelope<ResponseOf<C>>> {
    const s = service();
    return dispatch(s.handlers, channel, wire(req), () => s.knownSecrets()).then((e) => wire(e) as Envelope<ResponseOf<C>>);
  }
  async function ok<C extends ChannelName>(channel: C, req: RequestOf<C>): Promise<ResponseOf<C>> {
    const env = await call(channel, req);
    if (!env.ok) throw new Error(`${channel} failed: ${env.error.kind} ${env.error.message}`);
    return env.value;
  }
  return { call, ok };
}
