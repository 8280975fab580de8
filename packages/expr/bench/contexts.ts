// 1,000 varied, deterministic order contexts for the benchmark.

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface OrderContext {
  order: {
    id: string;
    amount: number;
    subtotal: number;
    shipping: number;
    discount: number;
    status: string;
    priority: string;
    customer: { name: string; email: string; country: string; vip: boolean };
    items: { sku: string; price: number; qty: number }[];
  };
}

const STATUSES = ["paid", "pending", "refunded", "paid", "shipped"];
const COUNTRIES = ["DE", "FR", "NL", "US", "GB", "ES", "IT"];
const NAMES = ["Ann", "Bob", "Chloé", "Dmitri", "Eve", "Farid", "Grace"];
const DOMAINS = ["example.com", "acme.org", "mail.test", "example.org", "corp.example.com"];

export function makeContexts(n: number, seed = 42): OrderContext[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const out: OrderContext[] = [];
  for (let i = 0; i < n; i++) {
    const items = Array.from({ length: 1 + Math.floor(rand() * 6) }, (_, k) => ({
      sku: `SKU-${i}-${k}`,
      price: Math.round(rand() * 30000) / 100,
      qty: 1 + Math.floor(rand() * 4),
    }));
    const subtotal = items.reduce((s, it) => s + it.price * it.qty, 0);
    const name = pick(NAMES);
    out.push({
      order: {
        id: `ORD-${100000 + i}`,
        amount: Math.round(rand() * 2000000) / 100,
        subtotal,
        shipping: pick([0, 4.99, 9.99, 24.5]),
        discount: Math.round(rand() * 5000) / 100,
        status: pick(STATUSES),
        priority: pick(["low", "normal", "high"]),
        customer: {
          name,
          email: `${name.toLowerCase().replace(/[^a-z]/g, "")}.${i}@${pick(DOMAINS)}`,
          country: pick(COUNTRIES),
          vip: rand() < 0.2,
        },
        items,
      },
    });
  }
  return out;
}
