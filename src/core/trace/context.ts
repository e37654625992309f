/**
 * The state one trace carries through its stages (listener.ts → route.ts → upstream.ts): the normalized request, the
 * workspace and resource reader, the hops and notes written so far, and the lookups every stage shares (child
 * definitions, names of a kind, request headers). Also the shapes the stages pass between them.
 */
import type { Definition, Span } from '../model/types';
import type { Workspace } from '../workspace';
import { ResourceReader, type Obj } from './resources';
import type { TraceHop, TraceOptions, TraceRequest } from './types';

/** A definition in a file of the workspace. */
export interface Handle {
  uri: string;
  index: number;
  def: Definition;
}

/** A serving listener with its materialized value and bound addresses (`address`, then `additional_addresses`). */
export interface ListenerRef extends Handle {
  value: Obj;
  ip?: string;
  port?: number;
  addrs: Array<{ ip: string; port: number }>;
}

/** How one branch (or the whole request) ends, before it is phrased as the outcome. */
export interface Result {
  ok: boolean;
  code?: string;
  status?: number;
  flag?: string;
  /** The message without the `→ ` / status head. */
  text: string;
  /** Which share of requests the result is about (`for 20% of requests (weight 20 of 100)`). */
  scope?: string;
  /** A short form for summaries of weighted branches. */
  short?: string;
  closest?: string[];
  /** A redirect's Location (or a 201/3xx direct response's). */
  location?: string;
  /** The cluster the request lands on. */
  cluster?: string;
  /** The upstream endpoint, when there is a single one to go to. */
  endpoint?: string;
}

/** One trace's state; the stages read the request from it and write hops and notes to it. */
export class TraceContext {
  readonly hops: TraceHop[] = [];
  readonly notes: string[] = [];
  readonly reader: ResourceReader;
  readonly req: TraceRequest;
  /** The destination IP (given, or taken from the Istio node id for inbound), set by the listener stage. */
  dstIp: string | undefined;
  /** The route configuration is inline and validates its clusters (validate_clusters defaults to true there). */
  validatesClusters = false;

  constructor(
    readonly ws: Workspace,
    readonly uri: string,
    source: string | Uint8Array,
    req: TraceRequest,
    options: TraceOptions,
  ) {
    this.reader = new ResourceReader(
      (u) => ws.get(u),
      (u) => (u === uri ? source : options.sourceOf?.(u)),
    );
    const transport = req.transport ?? (req.sni ? 'tls' : 'raw_buffer');
    const http = req.http
      ? {
          ...req.http,
          path: req.http.path ?? '/',
          method: (req.http.method ?? 'GET').toUpperCase(),
          scheme: req.http.scheme ?? (transport === 'tls' ? ('https' as const) : ('http' as const)),
          headers: req.http.headers ?? {},
        }
      : undefined;
    const applicationProtocols = req.applicationProtocols ?? (http && transport === 'raw_buffer' ? ['http/1.1'] : []);
    this.req = { ...req, transport, applicationProtocols, ...(http ? { http } : {}) };
  }

  note(s: string): void {
    if (!this.notes.includes(s)) this.notes.push(s);
  }

  /** The children of kind `kind` of a definition, from the workspace's parent→children lookup (built once per file). */
  childrenOf(h: { uri: string; index: number }, kind: Definition['kind']): Handle[] {
    const a = this.ws.get(h.uri);
    if (!a) return [];
    return this.ws
      .childrenOf(h.uri, h.index)
      .filter((i) => a.defs[i].kind === kind)
      .map((i) => ({ uri: h.uri, index: i, def: a.defs[i] }));
  }

  hop(kind: TraceHop['kind'], name: string, h: Handle | undefined, detail: string, extra: Partial<TraceHop> = {}): TraceHop {
    const hop: TraceHop = { kind, name, uri: h?.uri ?? '', detail };
    if (h) hop.span = { ...h.def.nameSpan } as Span;
    if (extra.rejected?.length) hop.rejected = extra.rejected;
    if (extra.branch) hop.branch = extra.branch;
    if (extra.route) hop.route = extra.route;
    // The Istio resource istiod generated this definition from: the one an SRE changes (issue 10 §6). An endpoints hop
    // of an inline load_assignment points at its cluster, whose resource the cluster hop already names.
    const istio = kind === 'endpoints' ? undefined : h?.def.info?.istio;
    if (istio) hop.istio = { kind: istio.kind, namespace: istio.namespace, name: istio.name };
    this.hops.push(hop);
    return hop;
  }

  allNames(kind: Definition['kind']): string[] {
    const out = new Set<string>();
    for (const a of this.ws.all()) for (const d of a.defs) if (d.kind === kind) out.add(d.name);
    return [...out];
  }

  /** The request is internal: `internal` given, or it carries `x-envoy-internal: true`. */
  isInternal(): boolean {
    return this.req.internal === true || this.headerValue('x-envoy-internal') === 'true';
  }

  headerValue(name: string): string | undefined {
    const want = name.toLowerCase();
    for (const [k, v] of Object.entries(this.req.http?.headers ?? {})) if (k.toLowerCase() === want) return v;
    if (want === ':authority' || want === 'host') return this.req.http?.host;
    return undefined;
  }

  dstText(): string {
    return `${this.dstIp ?? '(unknown IP)'}:${this.req.port}`;
  }
}
