/**
 * What a shard's background index remembers about positions, for Browse's filtered lanes and gap
 * rows (issues 13/14): the positions of corrupt and misrouted entries, and, per producer nonce,
 * where its ordinals jump (the entry before a gap and the entry after it). Kept in growable typed
 * arrays: nothing per entry but what is flagged, and one small record per nonce, so an indexed
 * million-entry lane costs the duplicate index (shared/analysis.ts) plus a few bytes per flagged
 * entry.
 *
 * Gap positions are found while the index reads the stream oldest first: a nonce's ordinal that
 * is more than one past the last one seen of it opens a jump (before = that last entry, after = this
 * one). Ordinals at or below the last one (retries, replays, out-of-order writers) are ignored
 * here; the analyzer's gap ranges stay the truth, and {@link LaneMarks.gapPlaces} places only the
 * gaps whose bounding ordinals match a recorded jump exactly (an out-of-order stream can leave a gap
 * unplaced: its place is then null and Browse lists it without a row marker).
 */
import type { GapPlace } from '../../shared/contract';
import { ordinalAfterPrefix, parseDedupId, storedIdText } from '../../shared/dedup-id';
import type { GapRange } from '../../shared/types';

/** A growable list of unsigned 32-bit numbers. */
export class U32List {
  private a = new Uint32Array(64);
  length = 0;
  push(x: number): void {
    if (this.length === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = x;
  }
  at(k: number): number {
    return this.a[k]!;
  }
  view(): Uint32Array {
    return this.a.subarray(0, this.length);
  }
  get bytes(): number {
    return this.a.byteLength;
  }
}

/** A growable list of doubles (ordinals up to 2^53). */
class F64List {
  private a = new Float64Array(64);
  length = 0;
  push(x: number): void {
    if (this.length === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = x;
  }
  at(k: number): number {
    return this.a[k]!;
  }
  get bytes(): number {
    return this.a.byteLength;
  }
}

interface NonceState {
  nonce: string;
  index: number;
  /** Highest ordinal seen, -1 before the first. */
  last: number;
  lastPos: number;
  /** dedup_id of the last entry (only turned into text when a jump is recorded). */
  lastSeq: number;
  lastI: number;
  /** The lowest ordinal seen and where (for head gaps: ordinals 0..lowest-1). */
  lowOrd: number;
  lowPos: number;
  lowId: string;
}

export class LaneMarks {
  readonly corrupt = new U32List();
  readonly misrouted = new U32List();
  /** Shard each misrouted entry names (its dedup_id's shard part, else its payload's `s`). */
  readonly misroutedTo = new U32List();
  /** Jumps: nonce index, ordinal and position before, ordinal and position after. */
  private jNonce = new U32List();
  private jBeforeOrd = new F64List();
  private jAfterOrd = new F64List();
  private jBeforePos = new U32List();
  private jAfterPos = new U32List();
  /** The bounding entries' dedup_ids, per jump (one pair per gap, not per entry). */
  private jIds: string[] = [];
  private nonces: NonceState[] = [];
  private byNonce = new Map<string, NonceState>();
  /** Cache of the last id's text up to its last ':' (one batch shares it). */
  private prefix = new Uint8Array(0);
  private prefixText = '';
  private pState: NonceState | null = null;
  private pShard = -1;
  private pSeq = -1;

  constructor(readonly shard: number) {}

  /**
   * The entry at `position`: `ok`/`s` as the reader decided (s ignored when corrupt), its dedup_id
   * as the stored bytes `buf[idStart..idEnd)` (`idStart` -1: none).
   */
  noteBytes(position: number, ok: boolean, s: number, buf: Uint8Array, idStart: number, idEnd: number): void {
    if (!ok) this.corrupt.push(position);
    let idShard = -1;
    let ordinal = -1;
    if (idStart >= 0 && this.parseBytes(buf, idStart, idEnd)) {
      idShard = this.pShard;
      ordinal = this.lastOrdinal;
    }
    this.finish(position, ok, s, idShard, ordinal);
  }

  /** {@link noteBytes} for an entry the adapter decoded. */
  noteText(position: number, ok: boolean, s: number, dedupId: string | undefined): void {
    if (!ok) this.corrupt.push(position);
    let idShard = -1;
    let ordinal = -1;
    if (dedupId !== undefined && this.parseText(dedupId)) {
      idShard = this.pShard;
      ordinal = this.lastOrdinal;
    }
    this.finish(position, ok, s, idShard, ordinal);
  }

  private lastOrdinal = -1;

  private finish(position: number, ok: boolean, s: number, idShard: number, ordinal: number): void {
    const wrongId = idShard >= 0 && idShard !== this.shard;
    const wrongS = ok && s !== this.shard;
    if (wrongId || wrongS) {
      this.misrouted.push(position);
      this.misroutedTo.push(wrongId ? idShard : s);
    }
    // Gaps: only this shard's own ordinals (the counter is per (nonce, shard), contract item 6).
    if (idShard !== this.shard || ordinal < 0) return;
    const st = this.pState!;
    if (st.lowOrd < 0 || ordinal < st.lowOrd) {
      st.lowOrd = ordinal;
      st.lowPos = position;
      st.lowId = `${st.nonce}:${this.shard}:${this.pSeq}:${this.lastI}`;
    }
    if (st.last >= 0 && ordinal <= st.last) return;
    if (st.last >= 0 && ordinal > st.last + 1) {
      this.jNonce.push(st.index);
      this.jBeforeOrd.push(st.last);
      this.jBeforePos.push(st.lastPos);
      this.jAfterOrd.push(ordinal);
      this.jAfterPos.push(position);
      this.jIds.push(`${st.nonce}:${this.shard}:${st.lastSeq}:${st.lastI}`, `${st.nonce}:${this.shard}:${this.pSeq}:${this.lastI}`);
    }
    st.last = ordinal;
    st.lastPos = position;
    st.lastSeq = this.pSeq;
    st.lastI = this.lastI;
  }

  /** Parses an id's bytes: fast when it shares the last id's prefix (only `i` is read). */
  private parseBytes(b: Uint8Array, start: number, end: number): boolean {
    const i = ordinalAfterPrefix(b, start, end, this.prefix);
    if (i >= 0) return this.setOrdinal(i);
    const text = storedIdText(b, start, end);
    return text !== null && this.parseFull(text);
  }

  private parseText(s: string): boolean {
    const p = this.prefixText.length;
    const len = s.length - p;
    if (p > 0 && len >= 1 && len <= 15 && s.startsWith(this.prefixText) && (len === 1 || s.charCodeAt(p) !== 0x30)) {
      let i = 0;
      let k = p;
      for (; k < s.length; k++) {
        const c = s.charCodeAt(k) - 0x30;
        if (c < 0 || c > 9) break;
        i = i * 10 + c;
      }
      if (k === s.length) return this.setOrdinal(i);
    }
    return this.parseFull(s);
  }

  private parseFull(text: string): boolean {
    const parsed = parseDedupId(text);
    if (parsed === null) return false;
    const prefixText = text.slice(0, text.lastIndexOf(':') + 1);
    this.prefixText = prefixText;
    this.prefix = new Uint8Array(prefixText.length);
    for (let k = 0; k < prefixText.length; k++) this.prefix[k] = prefixText.charCodeAt(k);
    let st = this.byNonce.get(parsed.nonce);
    if (!st) {
      st = { nonce: parsed.nonce, index: this.nonces.length, last: -1, lastPos: 0, lastSeq: 0, lastI: 0, lowOrd: -1, lowPos: 0, lowId: '' };
      this.nonces.push(st);
      this.byNonce.set(parsed.nonce, st);
    }
    this.pState = st;
    this.pShard = parsed.shard;
    this.pSeq = parsed.seq <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(parsed.seq) : -1;
    return this.setOrdinal(parsed.i <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(parsed.i) : -1);
  }

  private lastI = -1;

  private setOrdinal(i: number): boolean {
    this.lastI = i;
    const o = this.pSeq < 0 || i < 0 ? -1 : this.pSeq + i;
    this.lastOrdinal = o <= Number.MAX_SAFE_INTEGER ? o : -1;
    return true;
  }

  /** Where each of the analyzer's `gaps` lies (same order): the positions of its bounding entries. */
  gapPlaces(gaps: GapRange[]): GapPlace[] {
    const byKey = new Map<string, number>();
    for (let k = 0; k < this.jNonce.length; k++) {
      byKey.set(`${this.nonces[this.jNonce.at(k)]!.nonce}:${this.jBeforeOrd.at(k)}:${this.jAfterOrd.at(k)}`, k);
    }
    return gaps.map((g) => {
      const k = byKey.get(`${g.nonce}:${g.from - 1}:${g.to + 1}`);
      if (k === undefined) return { before: null, after: null };
      return { before: this.jBeforePos.at(k), after: this.jAfterPos.at(k), beforeDedupId: this.jIds[2 * k], afterDedupId: this.jIds[2 * k + 1] };
    });
  }

  /** Where each head gap (ordinals 0..lowest-1 of a nonce) lies: above the nonce's lowest ordinal here. */
  headPlaces(headGaps: GapRange[]): GapPlace[] {
    return headGaps.map((g) => {
      const st = this.byNonce.get(g.nonce);
      if (!st || st.lowOrd !== g.to + 1) return { before: null, after: null };
      return { before: null, after: st.lowPos, afterDedupId: st.lowId };
    });
  }

  /** Positions of the entries bounding the placed gaps, ascending, each once. */
  gapBoundPositions(places: GapPlace[]): Uint32Array {
    const out: number[] = [];
    for (const p of places) {
      if (p.before !== null) out.push(p.before);
      if (p.after !== null) out.push(p.after);
    }
    const a = Uint32Array.from(out).sort();
    let n = 0;
    for (let k = 0; k < a.length; k++) if (k === 0 || a[k] !== a[k - 1]) a[n++] = a[k]!;
    return a.slice(0, n);
  }

  memoryBytes(): number {
    return (
      this.corrupt.bytes +
      this.misrouted.bytes +
      this.misroutedTo.bytes +
      this.jNonce.bytes +
      this.jBeforeOrd.bytes +
      this.jAfterOrd.bytes +
      this.jBeforePos.bytes +
      this.jAfterPos.bytes +
      this.nonces.length * 96 +
      this.jIds.length * 64
    );
  }
}
