/**
 * What a shard's background index remembers about positions, for Browse's filtered lanes and gap
 * rows (issues 13/14): the positions of corrupt and misrouted entries, and, per producer nonce,
 * where its ordinals jump (the entry before a gap and the entry after it). Kept in growable typed
 * arrays: nothing per entry but what is flagged, and one small record per nonce, so an indexed
 * million-entry lane costs the duplicate index (shared/analysis.ts) plus a few bytes per flagged
 * entry.
 *
 * Gap positions are found while the index reads the stream oldest first, per producer nonce, as
 * the places where its ordinals stop running on: an entry whose ordinal is not one past the
 * nonce's previous entry (a jump ahead, a retry or replay going back, an out-of-order writer)
 * ends one run (the previous entry) and starts another (this one). The analyzer's gap ranges stay
 * the truth; {@link LaneMarks.gapPlaces} places each gap between an entry that ends a run with
 * the ordinal just below it and one that starts a run with the ordinal just above it, wherever in
 * the stream they are (issue: a shard whose corrupt entries carried ordinals far ahead and whose
 * last entries went back below them had its gaps unplaced, and the Gaps filter showed nothing).
 * A bound never met is null (Browse lists the gap without that row marker).
 */
import type { GapPlace } from '../../shared/contract';
import { ordinalAfterPrefix, ordinalAfterTextPrefix, parseDedupId, storedIdText } from '../../shared/dedup-id';
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

/** Entries that bound runs of ordinals: nonce index, position, dedup_id's seq and i (ordinal = seq + i). */
class RunBounds {
  readonly nonce = new U32List();
  readonly pos = new U32List();
  readonly seq = new F64List();
  readonly i = new F64List();
  get length(): number {
    return this.pos.length;
  }
  push(nonce: number, pos: number, seq: number, i: number): void {
    this.nonce.push(nonce);
    this.pos.push(pos);
    this.seq.push(seq);
    this.i.push(i);
  }
  get bytes(): number {
    return this.nonce.bytes + this.pos.bytes + this.seq.bytes + this.i.bytes;
  }
}

interface NonceState {
  nonce: string;
  index: number;
  /** The nonce's previous entry in stream order (its ordinal, position, dedup_id parts), -1 before the first. */
  prevOrd: number;
  prevPos: number;
  prevSeq: number;
  prevI: number;
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
  /** Entries that end a run of a nonce's ordinals (the next one of the nonce is not one past). */
  private ends = new RunBounds();
  /** Entries that start a run (a nonce's first entry, or one not one past the nonce's previous). */
  private starts = new RunBounds();
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
    // A copy right after the entry it repeats (a retry) neither ends nor starts a run: the first
    // copy stays the bound (as a reader finds it first), and a stream of doubled writes costs nothing.
    if (ordinal === st.prevOrd) return;
    if (st.prevOrd < 0 || ordinal !== st.prevOrd + 1) {
      if (st.prevOrd >= 0) this.ends.push(st.index, st.prevPos, st.prevSeq, st.prevI);
      this.starts.push(st.index, position, this.pSeq, this.lastI);
    }
    st.prevOrd = ordinal;
    st.prevPos = position;
    st.prevSeq = this.pSeq;
    st.prevI = this.lastI;
  }

  /** Parses an id's bytes: fast when it shares the last id's prefix (only `i` is read). */
  private parseBytes(b: Uint8Array, start: number, end: number): boolean {
    const i = ordinalAfterPrefix(b, start, end, this.prefix);
    if (i >= 0) return this.setOrdinal(i);
    const text = storedIdText(b, start, end);
    return text !== null && this.parseFull(text);
  }

  private parseText(s: string): boolean {
    const i = ordinalAfterTextPrefix(s, this.prefixText);
    if (i >= 0) return this.setOrdinal(i);
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
      st = { nonce: parsed.nonce, index: this.nonces.length, prevOrd: -1, prevPos: 0, prevSeq: 0, prevI: 0, lowOrd: -1, lowPos: 0, lowId: '' };
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

  /**
   * Where each of the analyzer's `gaps` lies (same order): the positions of its bounding entries,
   * the first entry that ends a run at `from - 1` and the first that starts one at `to + 1`.
   */
  gapPlaces(gaps: GapRange[]): GapPlace[] {
    if (gaps.length === 0) return [];
    const id = (nonce: number, seq: number, i: number) => `${this.nonces[nonce]!.nonce}:${this.shard}:${seq}:${i}`;
    type Bound = { pos: number; dedupId: string };
    const before = new Map<string, Bound>();
    const after = new Map<string, Bound>();
    const wanted = new Set<string>();
    for (const g of gaps) wanted.add(`${g.nonce}:${g.from - 1}`).add(`>${g.nonce}:${g.to + 1}`);
    const collect = (runs: RunBounds, into: Map<string, Bound>, mark: string) => {
      for (let k = 0; k < runs.length; k++) {
        const n = runs.nonce.at(k);
        const seq = runs.seq.at(k);
        const i = runs.i.at(k);
        const key = `${this.nonces[n]!.nonce}:${seq + i}`;
        if (!into.has(key) && wanted.has(mark + key)) into.set(key, { pos: runs.pos.at(k), dedupId: id(n, seq, i) });
      }
    };
    collect(this.ends, before, '');
    collect(this.starts, after, '>');
    // Each nonce's last entry ends its last run.
    for (const st of this.nonces) {
      const key = `${st.nonce}:${st.prevOrd}`;
      if (st.prevOrd >= 0 && !before.has(key) && wanted.has(key)) before.set(key, { pos: st.prevPos, dedupId: id(st.index, st.prevSeq, st.prevI) });
    }
    return gaps.map((g) => {
      const b = before.get(`${g.nonce}:${g.from - 1}`);
      const a = after.get(`${g.nonce}:${g.to + 1}`);
      const place: GapPlace = { before: b?.pos ?? null, after: a?.pos ?? null };
      if (b) place.beforeDedupId = b.dedupId;
      if (a) place.afterDedupId = a.dedupId;
      return place;
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
      this.ends.bytes +
      this.starts.bytes +
      this.nonces.length * 96
    );
  }
}
