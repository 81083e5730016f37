/**
 * The pure parts of Browse's evidence (issue 13): the structural diff of two JSON texts behind the
 * collision comparison, and the mapping from a corrupt entry's reason (UTF-8 byte offsets) to the
 * part of `d` to highlight.
 */
import { describe, expect, it } from 'vitest';
import { blamedBytes, blamedRange, byteAtCharIndex, charIndexAtByte, reasonByteOffset } from '../../renderer/src/lib/corrupt-range';
import { fitDedupId } from '../../renderer/src/lib/dedup-fit';
import { diffJson, pathLabel } from '../../renderer/src/lib/json-diff';
import { decodePayload } from '../../shared/wire';

describe('diffJson', () => {
  it('finds nothing between identical texts', () => {
    const d = diffJson('{"a":1,"b":[1,2]}', '{"a":1,"b":[1,2]}');
    expect(d.count).toBe(0);
    expect(d.left.size).toBe(0);
  });

  it('marks a changed leaf on both sides and its ancestors as inner', () => {
    const d = diffJson('{"order":{"id":"7","amount":12.50}}', '{"order":{"id":"7","amount":12.5}}');
    expect(d.paths).toEqual(['$."order"."amount"']);
    expect(d.left.get('$."order"."amount"')).toBe('changed');
    expect(d.right.get('$."order"."amount"')).toBe('changed');
    expect(d.left.get('$."order"')).toBe('inner');
    expect(d.left.get('$')).toBe('inner');
    expect(d.left.has('$."order"."id"')).toBe(false);
    expect(pathLabel(d.paths[0] as string)).toBe('$.order.amount');
  });

  it('compares integers past 2^53 digit for digit', () => {
    const d = diffJson('{"n":9007199254740993}', '{"n":9007199254740992}');
    expect(d.count).toBe(1);
  });

  it('reports keys only on one side as removed and added, and array elements by index', () => {
    const d = diffJson('{"a":1,"gone":true,"xs":[1,2,3]}', '{"a":1,"new":null,"xs":[1,9]}');
    expect(d.left.get('$."gone"')).toBe('removed');
    expect(d.right.get('$."new"')).toBe('added');
    expect(d.left.get('$."xs"[1]')).toBe('changed');
    expect(d.left.get('$."xs"[2]')).toBe('removed');
    expect(d.count).toBe(4);
  });

  it('treats a kind change as a changed node, and a non-JSON side as invalid', () => {
    expect(diffJson('{"a":{"b":1}}', '{"a":[1]}').left.get('$."a"')).toBe('changed');
    const bad = diffJson('{"a":', '{"a":1}');
    expect(bad.invalid).toBe(true);
    expect(bad.count).toBe(1);
  });

  it('labels odd keys with brackets', () => {
    expect(pathLabel('$."a b"[0]."ok"')).toBe('$["a b"][0].ok');
  });
});

describe('corrupt byte ranges', () => {
  it('reads the byte offset a reason names', () => {
    expect(reasonByteOffset('duplicate field "r" at byte 271')).toBe(271);
    expect(reasonByteOffset('d is not valid UTF-8 (byte 7)')).toBe(7);
    expect(reasonByteOffset('d has no "r" field')).toBeNull();
  });

  it('maps UTF-8 byte offsets to string indexes and back, through multi-byte characters', () => {
    const s = 'aé€😀b';
    // bytes: a=0, é=1-2, €=3-5, 😀=6-9, b=10
    expect(charIndexAtByte(s, 0)).toBe(0);
    expect(charIndexAtByte(s, 1)).toBe(1);
    expect(charIndexAtByte(s, 3)).toBe(2);
    expect(charIndexAtByte(s, 6)).toBe(3);
    expect(charIndexAtByte(s, 10)).toBe(5);
    expect(charIndexAtByte(s, 11)).toBe(6);
    for (const i of [0, 1, 2, 3, 5]) expect(charIndexAtByte(s, byteAtCharIndex(s, i))).toBe(i);
  });

  it('blames the duplicate key the reader names, as the wire decoder reports it', () => {
    const d = '{"r":{"note":"é"},"r":{"x":1},"t":1,"s":3}';
    const res = decodePayload(d);
    expect(res.ok).toBe(false);
    const reason = (res as { reason: string }).reason;
    expect(reason).toMatch(/^duplicate field "r" at byte \d+$/);
    const r = blamedRange(reason, d);
    expect(r && d.slice(r.start, r.end)).toBe('"r"');
    expect(r?.start).toBe(d.lastIndexOf('"r"'));
  });

  it('blames trailing characters to the end, an unexpected character alone, and a bad t value', () => {
    const trailing = '{"r":1,"t":1,"s":3} junk';
    const reasonT = (decodePayload(trailing) as { reason: string }).reason;
    const r1 = blamedRange(reasonT, trailing);
    expect(r1 && trailing.slice(r1.start, r1.end)).toBe('junk');
    const cut = '{"r":{"a":1},"t":1,"s":3'; // truncated
    const reasonCut = (decodePayload(cut) as { reason: string }).reason;
    const r2 = blamedRange(reasonCut, cut);
    expect(r2).not.toBeNull();
    const negT = '{"r":1,"t":-1,"s":3}';
    const reasonNeg = (decodePayload(negT) as { reason: string }).reason;
    const r3 = blamedRange(reasonNeg, negT);
    expect(r3 && negT.slice(r3.start, r3.end)).toBe('-1');
  });

  it('blames one byte of d that is not UTF-8', () => {
    expect(blamedBytes('d is not valid UTF-8 (byte 7)', 20)).toEqual({ start: 7, end: 8 });
    expect(blamedBytes('d is not valid UTF-8 (byte 70)', 20)).toBeNull();
  });
});

describe('fitDedupId', () => {
  it('keeps a dedup_id that fits, and otherwise shortens only the nonce, in its middle', () => {
    const id = '9f3a12c4d5e6f708:3:205:239';
    expect(fitDedupId(id, 0)).toBe(id);
    expect(fitDedupId(id, 40)).toBe(id);
    const short = fitDedupId(id, 20);
    expect(short).toHaveLength(20);
    expect(short.endsWith(':3:205:239')).toBe(true);
    expect(short).toBe('9f3a1…f708:3:205:239');
  });

  it('cuts the start of an id with no room for a nonce, or not in net-mesh form', () => {
    expect(fitDedupId('9f3a12c4d5e6f708:3:205:239', 12)).toBe('…8:3:205:239');
    expect(fitDedupId('order-1234567890-abcdef', 10)).toBe('…90-abcdef');
  });
});
