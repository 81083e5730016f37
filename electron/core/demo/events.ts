/**
 * Event bodies for the demo bus: a small deterministic PRNG and the kinds of events a shop's
 * services and a telemetry gateway would produce, as text exactly as each producer would write it.
 */

/** Small deterministic PRNG (mulberry32). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let x = this.state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in lo..hi inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  id(length: number): string {
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    let out = '';
    for (let k = 0; k < length; k++) out += alphabet[this.int(0, 31)];
    return out;
  }
  fixed(lo: number, hi: number, digits: number): number {
    // `+ 0` turns -0 into 0, which both JS and serde_json print as "0".
    return Number((lo + this.next() * (hi - lo)).toFixed(digits)) + 0;
  }
}

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/**
 * Compact JSON with object keys sorted, as serde_json serializes a `Value` without
 * `preserve_order` (contract 1.4: the producer's `bus.ingest(Event)` path). Only for the values
 * built below: ASCII keys (so UTF-16 order is byte order), and numbers rendered as serde_json
 * renders a `Value` parsed from this same text (integers stay integers).
 */
export function sortedJson(v: Json): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(sortedJson).join(',') + ']';
  const keys = Object.keys(v).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + sortedJson(v[k]!)).join(',') + '}';
}

const SKUS = ['SKU-1042', 'SKU-2210', 'SKU-3307', 'SKU-4121', 'SKU-5099', 'SKU-6630', 'SKU-7781'];
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'GBP'];
const FAIL_REASONS = ['card_declined', 'insufficient_funds', 'expired_card', '3ds_failed'];
const CARRIERS = ['DHL', 'UPS', 'PostNL', 'DPD'];

function userId(rng: Rng): string {
  return `u_${rng.int(1000, 99999)}`;
}

export function commerceEvent(rng: Rng, at: string): Json {
  const roll = rng.next();
  const orderId = `ord_${rng.id(10)}`;
  if (roll < 0.28) {
    const items: Json[] = Array.from({ length: rng.int(1, 4) }, () => ({
      sku: rng.pick(SKUS),
      qty: rng.int(1, 3),
      unit_price_minor: rng.int(199, 19999),
    }));
    const total = items.reduce<number>((n, it) => {
      const o = it as { qty: number; unit_price_minor: number };
      return n + o.qty * o.unit_price_minor;
    }, 0);
    return { type: 'order.created', order_id: orderId, customer_id: userId(rng), items, total_minor: total, currency: rng.pick(CURRENCIES), occurred_at: at };
  }
  if (roll < 0.42) return { type: 'order.paid', order_id: orderId, payment_id: `pay_${rng.id(12)}`, occurred_at: at };
  if (roll < 0.52) {
    return { type: 'order.shipped', order_id: orderId, carrier: rng.pick(CARRIERS), tracking: rng.id(14), occurred_at: at };
  }
  if (roll < 0.67) {
    return { type: 'payment.authorized', payment_id: `pay_${rng.id(12)}`, order_id: orderId, amount_minor: rng.int(500, 250000), currency: rng.pick(CURRENCIES), occurred_at: at };
  }
  if (roll < 0.78) return { type: 'payment.captured', payment_id: `pay_${rng.id(12)}`, amount_minor: rng.int(500, 250000), occurred_at: at };
  if (roll < 0.81) return { type: 'payment.failed', payment_id: `pay_${rng.id(12)}`, reason: rng.pick(FAIL_REASONS), occurred_at: at };
  if (roll < 0.92) {
    return { type: 'sensor.reading', device_id: `th-${String(rng.int(1, 64)).padStart(4, '0')}`, temperature_c: rng.fixed(17, 27, 2), humidity_pct: rng.fixed(30, 65, 1), measured_at: at };
  }
  if (roll < 0.96) return { type: 'user.login', user_id: userId(rng), ip: `203.0.113.${rng.int(1, 254)}`, mfa: rng.next() < 0.7, occurred_at: at };
  return { type: 'user.signed_up', user_id: userId(rng), plan: rng.pick(['free', 'pro', 'team']), referrer: rng.pick(['ads', 'organic', 'partner', null]), occurred_at: at };
}

/** A vibration-sensor waveform whose event text is about 300 KB. */
export function waveformEvent(rng: Rng, at: string): Json {
  const samples: number[] = [];
  let size = 0;
  while (size < 300 * 1024) {
    const v = rng.fixed(-2, 2, 4);
    samples.push(v);
    size += String(v).length + 1;
  }
  return { type: 'sensor.waveform', device_id: 'vib-0017', sample_rate_hz: 25600, unit: 'mm/s', samples, captured_at: at };
}

/**
 * What the raw-ingesting gateway forwards: bytes as its sources produced them, so key order is
 * the source's and Python-style sources put spaces after `:` and `,` (contract 1.4: raw bytes are
 * kept verbatim, never re-serialized).
 */
export function gatewayRaw(rng: Rng, at: string): string {
  const roll = rng.next();
  const epoch = (Date.parse(at) / 1000).toFixed(3);
  if (roll < 0.55) {
    const device = `th-${String(rng.int(1, 64)).padStart(4, '0')}`;
    return `{"device": "${device}", "temp_c": ${rng.fixed(17, 27, 1)}, "humidity": ${rng.fixed(30, 65, 1)}, "battery_v": ${rng.fixed(2.9, 3.3, 2)}, "ts": ${epoch}}`;
  }
  if (roll < 0.8) {
    return JSON.stringify({
      type: 'payment.webhook',
      provider: rng.pick(['stripe', 'adyen']),
      payment_id: `pay_${rng.id(12)}`,
      status: rng.pick(['succeeded', 'succeeded', 'succeeded', 'requires_action', 'failed']),
      amount: { minor: rng.int(500, 90000), currency: rng.pick(CURRENCIES) },
      received_at: at,
    });
  }
  return JSON.stringify({ type: 'user.activity', user_id: userId(rng), action: rng.pick(['view_product', 'add_to_cart', 'search', 'checkout_started']), path: `/p/${rng.pick(SKUS).toLowerCase()}`, at });
}

/** Live events: orders and sensor readings stamped with the real time. */
export function liveEvent(rng: Rng, at: string): string {
  return rng.next() < 0.5 ? sortedJson(commerceEvent(rng, at)) : gatewayRaw(rng, at);
}
