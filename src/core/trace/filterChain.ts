/**
 * Filter chain selection as Envoy documents it for `FilterChainMatch`: the criteria are applied in a fixed order
 * (destination port, destination IP, server name, transport protocol, application protocols, directly connected
 * source IP, source type, source IP, source port); at each step only the chains with the most specific value that
 * matches the connection go on, and a chain that does not set a criterion matches it least specifically. Envoy does
 * not backtrack: when no chain survives a step the connection gets the default filter chain, or none.
 */
import { inRange, parseIp, type Ip } from './ip';
import { isObj, type Obj } from './resources';

/** What the listener knows of a connection when it picks a filter chain. */
export interface ConnectionInfo {
  destinationPort: number;
  /** Undefined: unknown (only catch-all ranges match it; it is taken as an IPv4 address). */
  destinationIp?: string;
  /** SNI, only when a TLS inspector read it. */
  serverName?: string;
  /** `raw_buffer` unless a listener filter detected `tls`. */
  transportProtocol: string;
  /** ALPN (TLS inspector) or the HTTP inspector's protocol; empty when none detected. */
  applicationProtocols: string[];
  directSourceIp?: string;
  sourceIp?: string;
  sourcePort?: number;
  /** Whether the source is the same host (SAME_IP_OR_LOOPBACK); undefined: unknown (taken as external). */
  sourceLocal?: boolean;
}

/** The result of selecting a filter chain. */
export interface ChainChoice {
  /** Index in `filter_chains`; -1 for the default filter chain; undefined when no chain takes the connection. */
  index?: number;
  /** The step that left one chain (or that no chain passed). */
  decidedBy: string;
  /** The criteria the chosen chain set and the connection met, e.g. `destination port 9080`. */
  matchedOn: string[];
  /** Every chain passed over, with the reason. */
  rejected: Array<{ index: number; reason: string }>;
  /** When no chain matched: the chains that got furthest (failed only at the last step). */
  closest?: number[];
}

/** A number from a proto JSON field that may be a wrapper (`{"value": 9080}`) or a string. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (isObj(v)) return num(v.value);
  return undefined;
}

/** Strings of a proto JSON string list. */
export function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

interface Range {
  prefix: string;
  len: number;
}

function ranges(v: unknown): Range[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((r) => ({ prefix: String(r.address_prefix ?? ''), len: num(r.prefix_len) ?? 0 }));
}

const fmtRange = (r: Range): string => `${r.prefix}/${r.len}`;

/** A criterion: how specifically a chain's match meets the connection (undefined: it does not). 0 = not set. */
interface Step {
  label: string;
  /** Score of one chain; undefined = mismatch. */
  score: (m: Obj) => number | undefined;
  /** Why a chain's value does not match. */
  mismatch: (m: Obj) => string;
  /** What the chain set, for `matchedOn` (undefined when not set). */
  shown: (m: Obj) => string | undefined;
}

/** Score of a list of CIDR ranges for an address: the longest matching prefix length; 0 when unset. */
function rangeScore(rs: Range[], ip: Ip | undefined): number | undefined {
  if (rs.length === 0) return 0;
  let best: number | undefined;
  for (const r of rs) {
    // An unknown address is taken as an IPv4 address no specific range contains.
    const hit = ip ? inRange(ip, r.prefix, r.len) : r.len === 0 && parseIp(r.prefix)?.family === 4;
    if (hit && (best === undefined || r.len > best)) best = r.len;
  }
  // An explicit /0 ties with "unset": Envoy files a chain without ranges under the catch-all CIDRs.
  return best;
}

function steps(c: ConnectionInfo): Step[] {
  const dstIp = parseIp(c.destinationIp);
  const dirIp = parseIp(c.directSourceIp ?? c.sourceIp);
  const srcIp = parseIp(c.sourceIp);
  const sni = (c.serverName ?? '').toLowerCase();
  const ipText = (s: string | undefined) => s ?? '(unknown)';
  return [
    {
      label: `destination port ${c.destinationPort}`,
      score: (m) => {
        const p = num(m.destination_port);
        if (p === undefined || p === 0) return 0;
        return p === c.destinationPort ? 1 : undefined;
      },
      mismatch: (m) => `destination_port ${num(m.destination_port)} ≠ ${c.destinationPort}`,
      shown: (m) => (num(m.destination_port) ? `destination port ${num(m.destination_port)}` : undefined),
    },
    {
      label: `destination IP ${ipText(c.destinationIp)}`,
      score: (m) => rangeScore(ranges(m.prefix_ranges), dstIp),
      mismatch: (m) => `prefix_ranges ${ranges(m.prefix_ranges).map(fmtRange).join(', ')} do not contain ${c.destinationIp ?? 'the (unknown) destination IP'}`,
      shown: (m) => {
        const rs = ranges(m.prefix_ranges);
        return rs.length ? `destination IP in ${rs.map(fmtRange).join(', ')}` : undefined;
      },
    },
    {
      label: sni ? `server name ${sni}` : 'server name (none)',
      score: (m) => {
        const names = strs(m.server_names).map((s) => s.toLowerCase());
        if (names.length === 0) return 0;
        let best: number | undefined;
        for (const n of names) {
          if (sni !== '' && n === sni) return 1e6;
          // `*.example.com` matches any name ending in `.example.com` (with at least one more character in front);
          // the longer the suffix, the more specific.
          if (n.startsWith('*.') && sni.length > n.length - 1 && sni.endsWith(n.slice(1))) {
            const s = n.length - 1;
            if (best === undefined || s > best) best = s;
          }
        }
        return best;
      },
      mismatch: (m) => `server_names ${strs(m.server_names).join(', ')} do not match ${sni ? `"${sni}"` : 'a connection without SNI'}`,
      shown: (m) => {
        const names = strs(m.server_names);
        if (!names.length) return undefined;
        const exact = names.find((n) => n.toLowerCase() === sni);
        return `server name ${exact ?? names.find((n) => n.startsWith('*.') && sni.endsWith(n.slice(1).toLowerCase())) ?? names[0]}`;
      },
    },
    {
      label: `transport protocol ${c.transportProtocol}`,
      score: (m) => {
        const tp = typeof m.transport_protocol === 'string' ? m.transport_protocol : '';
        if (tp === '') return 0;
        return tp === c.transportProtocol ? 1 : undefined;
      },
      mismatch: (m) => `transport_protocol ${String(m.transport_protocol)} ≠ ${c.transportProtocol}`,
      shown: (m) => (typeof m.transport_protocol === 'string' && m.transport_protocol ? `transport ${m.transport_protocol}` : undefined),
    },
    {
      label: `application protocols ${c.applicationProtocols.length ? c.applicationProtocols.join(', ') : '(none)'}`,
      score: (m) => {
        const aps = strs(m.application_protocols);
        if (aps.length === 0) return 0;
        // Envoy tries the connection's protocols in order: the first one some chain lists wins.
        const n = c.applicationProtocols.length;
        for (let i = 0; i < n; i++) if (aps.includes(c.applicationProtocols[i])) return n - i;
        return undefined;
      },
      mismatch: (m) =>
        `application_protocols ${strs(m.application_protocols).join(', ')} do not include ${
          c.applicationProtocols.length ? c.applicationProtocols.join(', ') : 'any detected protocol (none was detected)'
        }`,
      shown: (m) => {
        const aps = strs(m.application_protocols);
        const hit = c.applicationProtocols.find((p) => aps.includes(p));
        return aps.length ? `application protocol ${hit ?? aps[0]}` : undefined;
      },
    },
    {
      label: `directly connected source IP ${ipText(c.directSourceIp ?? c.sourceIp)}`,
      score: (m) => rangeScore(ranges(m.direct_source_prefix_ranges), dirIp),
      mismatch: (m) => `direct_source_prefix_ranges ${ranges(m.direct_source_prefix_ranges).map(fmtRange).join(', ')} do not contain ${c.directSourceIp ?? c.sourceIp ?? 'the (unknown) source IP'}`,
      shown: (m) => (ranges(m.direct_source_prefix_ranges).length ? 'directly connected source IP' : undefined),
    },
    {
      label: `source type ${c.sourceLocal ? 'SAME_IP_OR_LOOPBACK' : 'EXTERNAL'}`,
      score: (m) => {
        const st = typeof m.source_type === 'string' ? m.source_type : 'ANY';
        if (st === 'ANY' || st === '') return 0;
        const local = st === 'SAME_IP_OR_LOOPBACK' || st === 'LOCAL';
        return local === !!c.sourceLocal ? 1 : undefined;
      },
      mismatch: (m) => `source_type ${String(m.source_type)} does not match a ${c.sourceLocal ? 'local' : 'remote'} source`,
      shown: (m) => (typeof m.source_type === 'string' && m.source_type !== 'ANY' ? `source type ${m.source_type}` : undefined),
    },
    {
      label: `source IP ${ipText(c.sourceIp)}`,
      score: (m) => rangeScore(ranges(m.source_prefix_ranges), srcIp),
      mismatch: (m) => `source_prefix_ranges ${ranges(m.source_prefix_ranges).map(fmtRange).join(', ')} do not contain ${c.sourceIp ?? 'the (unknown) source IP'}`,
      shown: (m) => (ranges(m.source_prefix_ranges).length ? `source IP in ${ranges(m.source_prefix_ranges).map(fmtRange).join(', ')}` : undefined),
    },
    {
      label: `source port ${c.sourcePort ?? 'unknown'}`,
      score: (m) => {
        const ports = Array.isArray(m.source_ports) ? m.source_ports.map(num).filter((p): p is number => p !== undefined) : [];
        if (ports.length === 0) return 0;
        return c.sourcePort !== undefined && ports.includes(c.sourcePort) ? 1 : undefined;
      },
      mismatch: (m) => `source_ports ${JSON.stringify(m.source_ports)} do not include ${c.sourcePort ?? 'the (unknown) source port'}`,
      shown: (m) => (Array.isArray(m.source_ports) && m.source_ports.length ? `source port ${c.sourcePort}` : undefined),
    },
  ];
}

/** The `filter_chain_match` of a chain ({} when absent). */
export function chainMatch(chain: unknown): Obj {
  return isObj(chain) && isObj(chain.filter_chain_match) ? chain.filter_chain_match : {};
}

/**
 * Picks the filter chain Envoy gives a connection. `hasDefault`: the listener has a `default_filter_chain`, used when
 * no chain matches.
 */
export function selectFilterChain(chains: unknown[], hasDefault: boolean, c: ConnectionInfo): ChainChoice {
  const matches = chains.map(chainMatch);
  let alive = matches.map((_, i) => i);
  const rejected: ChainChoice['rejected'] = [];
  let decidedBy = alive.length === 1 ? 'the only filter chain' : '';
  for (const step of steps(c)) {
    if (alive.length === 0) break;
    const scored = alive.map((i) => ({ i, s: step.score(matches[i]) }));
    let best: number | undefined;
    for (const x of scored) if (x.s !== undefined && (best === undefined || x.s > best)) best = x.s;
    const next: number[] = [];
    for (const x of scored) {
      if (x.s === undefined) rejected.push({ index: x.i, reason: step.mismatch(matches[x.i]) });
      else if (x.s < best!) {
        rejected.push({ index: x.i, reason: `${step.label}: a filter chain with a more specific match wins` });
      } else next.push(x.i);
    }
    if (next.length === 0) {
      return {
        index: hasDefault ? -1 : undefined,
        decidedBy: `no filter chain matches ${step.label}`,
        matchedOn: [],
        rejected,
        closest: scored.map((x) => x.i),
      };
    }
    if (next.length === 1 && alive.length > 1 && !decidedBy) decidedBy = step.label;
    alive = next;
  }
  if (alive.length === 0) {
    return { index: hasDefault ? -1 : undefined, decidedBy: 'the listener has no filter chains', matchedOn: [], rejected };
  }
  // Envoy rejects listeners whose chains overlap, so more than one survivor means a configuration Envoy would not load.
  const index = alive[0];
  for (const i of alive.slice(1)) rejected.push({ index: i, reason: 'same match as an earlier filter chain (Envoy rejects such overlaps)' });
  const matchedOn = steps(c)
    .map((s) => s.shown(matches[index]))
    .filter((s): s is string => s !== undefined);
  return { index, decidedBy: decidedBy || 'every other filter chain failed an earlier criterion', matchedOn, rejected };
}
