import { describe, expect, it } from 'vitest';
import { decodeClientMessage, decodeServerMessage, isValidId } from '../../shared/serve-protocol';

describe('decodeClientMessage', () => {
  it('decodes a well-formed invoke, payload untouched', () => {
    expect(decodeClientMessage('{"type":"invoke","id":7,"channel":"shards:list","payload":{"a":[1]}}')).toEqual({
      ok: true,
      message: { type: 'invoke', id: 7, channel: 'shards:list', payload: { a: [1] } },
    });
    expect(decodeClientMessage('{"type":"invoke","id":0,"channel":"x"}')).toMatchObject({ ok: true, message: { id: 0, payload: undefined } });
  });

  it('refuses text that is not a JSON object, without an id', () => {
    for (const text of ['not json', '', '{', '[1,2]', 'null', '42', '"invoke"']) {
      const r = decodeClientMessage(text);
      expect(r, text).toMatchObject({ ok: false, reply: 'error', id: null, error: { kind: 'usage' } });
    }
  });

  it('refuses ids that are not safe non-negative integers', () => {
    for (const id of ['1e309', '9007199254740992', '-1', '1.5', '"1"', 'null', '[]']) {
      const r = decodeClientMessage(`{"type":"invoke","id":${id},"channel":"app:info"}`);
      expect(r, id).toMatchObject({ ok: false, reply: 'error', id: null, error: { kind: 'usage' } });
      if (!r.ok) expect(r.error.message).toMatch(/"id"/);
    }
  });

  it('names an unknown message type and keeps a valid id so the client can match it', () => {
    const r = decodeClientMessage('{"type":"subscribe","id":3}');
    expect(r).toMatchObject({ ok: false, reply: 'error', id: 3, error: { kind: 'usage' } });
    if (!r.ok) expect(r.error.message).toContain('"subscribe"');
  });

  it('answers an invoke without a channel string as a result for its id', () => {
    expect(decodeClientMessage('{"type":"invoke","id":4,"channel":12}')).toMatchObject({ ok: false, reply: 'result', id: 4 });
    expect(decodeClientMessage('{"type":"invoke","id":4}')).toMatchObject({ ok: false, reply: 'result', id: 4 });
  });
});

describe('decodeServerMessage', () => {
  it('accepts the four server messages', () => {
    expect(decodeServerMessage('{"type":"hello","version":"1.0.0","transport":"serve","protocol":1}')).toMatchObject({ type: 'hello' });
    expect(decodeServerMessage('{"type":"result","id":1,"envelope":{"ok":true,"value":null}}')).toMatchObject({ type: 'result', id: 1 });
    expect(decodeServerMessage('{"type":"event","event":"health:changed","payload":{}}')).toMatchObject({ type: 'event' });
    expect(decodeServerMessage('{"type":"error","id":null,"error":{"kind":"usage","message":"x"}}')).toMatchObject({ type: 'error' });
  });

  it('returns null for anything else', () => {
    for (const t of ['x', 'null', '{"type":"result","id":-1,"envelope":{}}', '{"type":"hello"}', '{"type":"other"}', '{"type":"error","id":"1","error":{}}'])
      expect(decodeServerMessage(t), t).toBeNull();
  });
});

describe('isValidId', () => {
  it('is a safe non-negative integer', () => {
    expect(isValidId(0)).toBe(true);
    expect(isValidId(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isValidId(Number.MAX_SAFE_INTEGER + 1)).toBe(false);
    expect(isValidId(-1)).toBe(false);
    expect(isValidId(Infinity)).toBe(false);
    expect(isValidId(NaN)).toBe(false);
    expect(isValidId('1')).toBe(false);
  });
});
