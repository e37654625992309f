/** IPv4/IPv6 addresses and CIDR ranges, as filter chain matching and listener lookup compare them. */

export interface Ip {
  family: 4 | 6;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  let text = s;
  // An embedded IPv4 address at the end (::ffff:10.0.0.1) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(parseInt(g, 16)));
    }
    return out;
  };
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  if (!head || !rest) return undefined;
  const known = head.length + rest.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const groups = [...head, ...new Array<bigint>(8 - known).fill(0n), ...rest];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | g;
  return v;
}

/** Parses `10.0.0.1`, `::1`, `[fe80::1]`, `fe80::1%eth0`; undefined when it is not an IP address. */
export function parseIp(s: string | undefined): Ip | undefined {
  if (!s) return undefined;
  let t = s.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const pct = t.indexOf('%');
  if (pct >= 0) t = t.slice(0, pct);
  if (t.includes(':')) {
    const v = parseV6(t);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseV4(t);
  return v === undefined ? undefined : { family: 4, value: v };
}

/** Whether `ip` is in `prefix/len`. A prefix that does not parse matches nothing. */
export function inRange(ip: Ip, prefix: string, len: number): boolean {
  const p = parseIp(prefix);
  if (!p || p.family !== ip.family) return false;
  const bits = ip.family === 4 ? 32 : 128;
  const l = Math.max(0, Math.min(bits, Math.floor(len)));
  if (l === 0) return true;
  const shift = BigInt(bits - l);
  return ip.value >> shift === p.value >> shift;
}

/** The catch-all addresses a listener binds to for "any address". */
export function isAnyAddress(s: string): boolean {
  const p = parseIp(s);
  return p !== undefined && p.value === 0n;
}

/** Whether two address strings are the same IP (`::0` equals `::`). */
export function sameIp(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== undefined && y !== undefined && x.family === y.family && x.value === y.value;
}
