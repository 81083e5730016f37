/**
 * The gate every request passes, whatever the transport: the channel must exist, the payload must
 * parse against the channel's schema, and whatever the handler throws comes back as data
 * (`Envelope`) with secrets scrubbed. Never throws.
 */
import {
  isChannelName,
  parseRequest,
  type ChannelName,
  type ContractHandlers,
  type Envelope,
} from '../../shared/contract';
import { toErrorInfo } from '../../shared/errors';
import { redactText } from '../../shared/redact';

export async function dispatch(
  handlers: ContractHandlers,
  channel: unknown,
  payload: unknown,
  secrets: () => string[] = () => [],
): Promise<Envelope<unknown>> {
  if (!isChannelName(channel)) {
    const shown = typeof channel === 'string' ? JSON.stringify(channel.slice(0, 64)) : typeof channel;
    return { ok: false, error: { kind: 'usage', message: `unknown channel ${shown}` } };
  }
  const parsed = parseRequest(channel, payload);
  if (!parsed.ok) return parsed;
  try {
    const handler = handlers[channel] as (req: unknown) => Promise<unknown>;
    const value = await handler(parsed.value);
    return { ok: true, value };
  } catch (e) {
    const info = toErrorInfo(e);
    const scrubbed = redactText(info.message, secrets());
    return { ok: false, error: { ...info, message: scrubbed } };
  }
}

export type { ChannelName };
