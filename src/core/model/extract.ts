/**
 * Walks a Tape once and collects every definition and reference of ENVOY-DUMPS.md §"Reference edges".
 *
 * The walk is schema-aware where the schema is fixed (dump sections, listeners, route configurations, clusters) and
 * generic inside filter configs, where references hide at any depth (`envoy_grpc.cluster_name` in ext_authz, tracing,
 * rate limits; `*_sds_secret_config(s)` in any TLS context; `config_discovery` in any filter). Keys are compared as
 * integers (keys.ts), and subtrees nobody references into (`metadata`) are skipped with `next[]`.
 */
import { K, KEY_UNKNOWN } from '../parse/keys';
import { children, isArray, isObject, member, memberStr, strOf } from '../parse/nav';
import { KIND_ARRAY, KIND_OBJECT, KIND_STRING, KIND_TRUE, type Tape } from '../parse/tape';
import { CancellationError } from '../cancel';
import { isUsableStatus } from '../describe';
import { EDGES } from './edges';
import { parseIstioConfigPath } from '../istio';
import { readBase64PemBundle, readPemBundle, readScrubbedCertificates } from '../x509';
import type {
  CertificateInfo,
  CertificateSource,
  DefInfo,
  DefKind,
  DefState,
  Definition,
  DynamicRef,
  EndpointCounts,
  IstioConfigRef,
  RefVia,
  Reference,
  Shape,
  Span,
} from './types';

/** Certificates read from one `inline_bytes` / `inline_string` value. */
type PemBundle = ReturnType<typeof readPemBundle>;

/** What extraction produces before offsets are converted and the analysis is assembled. */
export interface Extracted {
  shape: Shape;
  defs: Definition[];
  refs: Reference[];
  dynamicRefs: DynamicRef[];
  complete: Set<DefKind>;
  sections: Set<DefKind>;
  /** Spans of every object created, so offsets can be converted in place. */
  spans: Span[];
  noEdsSection?: Span;
}

/** ConfigDump `@type` suffix → the kind its presence makes complete. */
const DUMP_TYPES: Record<string, DefKind> = {
  ListenersConfigDump: 'listener',
  RoutesConfigDump: 'routeConfig',
  ClustersConfigDump: 'cluster',
  EndpointsConfigDump: 'endpoints',
  SecretsConfigDump: 'secret',
  EcdsConfigDump: 'ecdsFilter',
  ScopedRoutesConfigDump: 'scopedRoute',
};

/** Resource `@type` suffix → kind, for single resources and istioctl arrays. */
const RESOURCE_TYPES: Record<string, DefKind> = {
  Listener: 'listener',
  RouteConfiguration: 'routeConfig',
  Cluster: 'cluster',
  ClusterLoadAssignment: 'endpoints',
  Secret: 'secret',
};

/** Keys whose presence marks a ConfigDump section object. */
const SECTION_KEYS = [
  K.static_listeners, K.dynamic_listeners, K.dynamic_active_listeners, K.dynamic_warming_listeners,
  K.dynamic_draining_listeners, K.static_route_configs, K.dynamic_route_configs, K.static_clusters,
  K.dynamic_active_clusters, K.dynamic_warming_clusters, K.static_endpoint_configs, K.dynamic_endpoint_configs,
  K.static_secrets, K.dynamic_active_secrets, K.dynamic_warming_secrets, K.ecds_filters,
  K.inline_scoped_route_configs, K.dynamic_scoped_route_configs,
];


const MAX_DOMAINS = 20;

/**
 * How deep wrappers (objects keyed by namespace / pod, arrays of dumps) are looked into for a dump. Bounded so that
 * nested arrays and objects with no Envoy content cannot recurse without end.
 */
const MAX_WRAPPER_DEPTH = 4;

/** Extracts definitions and references from a tape. */
export function extract(t: Tape, isCancelled?: () => boolean, endpointSamples = 5): Extracted {
  const x = new Extractor(t, isCancelled, endpointSamples);
  x.run();
  return x.result();
}

class Extractor {
  private readonly defs: Definition[] = [];
  private readonly refs: Reference[] = [];
  private readonly dyn: DynamicRef[] = [];
  private readonly spans: Span[] = [];
  private readonly complete = new Set<DefKind>();
  private readonly sections = new Set<DefKind>();
  private group: 'main' | 'bootstrap' = 'main';
  /** False while indexing a full dump's bootstrap static resources: the same objects are in the static sections. */
  private withChildren = true;
  private shapes: Shape[] = [];
  private edsClusters: number[] = [];
  private fullDumpSpan: Span | undefined;
  private steps = 0;
  /** Istio resource paths already read (`metadata.filter_metadata.istio.config`), undefined for one that is no path. */
  private readonly istioRefs = new Map<string, IstioConfigRef | undefined>();
  /** Certificates read, by their data (`inline_bytes`, `inline_string`). */
  private readonly certCache = { bytes: new Map<string, PemBundle>(), text: new Map<string, PemBundle>() };

  constructor(
    private readonly t: Tape,
    private readonly isCancelled: (() => boolean) | undefined,
    private readonly samples: number,
  ) {}

  run(): void {
    for (const r of this.t.roots) this.shapes.push(this.root(r, 0));
  }

  result(): Extracted {
    const known = this.shapes.filter((s) => s !== 'unknown' && s !== 'empty');
    let shape: Shape;
    if (known.length === 0) shape = this.shapes.length === 0 || this.shapes.every((s) => s === 'empty') ? 'empty' : 'unknown';
    else shape = known.every((s) => s === known[0]) ? known[0] : 'mixed';
    let noEdsSection: Span | undefined;
    // A dump taken without ?include_eds has no EndpointsConfigDump: say so once instead of flagging every EDS cluster.
    if (this.fullDumpSpan && this.edsClusters.length > 0 && !this.sections.has('endpoints')) {
      noEdsSection = this.span(this.defs[this.edsClusters[0]].nameSpan.start, this.defs[this.edsClusters[0]].nameSpan.end);
    }
    this.refs.sort((a, b) => a.span.start - b.span.start);
    return {
      shape,
      defs: this.defs,
      refs: this.refs,
      dynamicRefs: this.dyn,
      complete: this.complete,
      sections: this.sections,
      spans: this.spans,
      noEdsSection,
    };
  }

  // ---------------------------------------------------------------- helpers

  private span(start: number, end: number): Span {
    const s = { start, end };
    this.spans.push(s);
    return s;
  }

  private nodeSpan(n: number): Span {
    return this.span(this.t.start[n], this.t.end[n]);
  }

  private tick(): void {
    if (this.isCancelled && (++this.steps & 0x3ff) === 0 && this.isCancelled()) {
      throw new CancellationError('Indexing was cancelled.');
    }
  }

  private addDef(
    kind: DefKind,
    name: string,
    nameNode: number,
    spanNode: number,
    parent: number,
    state: DefState,
    section: string,
    wrapper: number,
    info: DefInfo,
  ): number {
    this.tick();
    const t = this.t;
    const nameSpan = nameNode >= 0 ? this.nodeSpan(nameNode) : this.span(t.start[spanNode], t.start[spanNode] + 1);
    const outer = wrapper >= 0 ? wrapper : spanNode;
    const def: Definition = {
      kind,
      name,
      nameSpan,
      span: this.nodeSpan(outer),
      parent,
      state,
      section,
      group: this.group,
      info,
    };
    if (wrapper >= 0) {
      const v = memberStr(t, wrapper, K.version_info);
      if (v !== undefined) def.versionInfo = v;
      const u = memberStr(t, wrapper, K.last_updated);
      if (u !== undefined) def.lastUpdated = u;
    }
    this.defs.push(def);
    return this.defs.length - 1;
  }

  /** A reference written as `via`: what it points at and whether it is diagnosed come from the edge table. */
  private addRef(via: RefVia, node: number, from: number): void {
    if (!this.withChildren) return;
    const name = strOf(this.t, node);
    if (name === undefined || name === '') return;
    const edge = EDGES[via];
    const ref: Reference = { kind: edge.target, name, span: this.nodeSpan(node), via, from };
    if (edge.soft) ref.soft = true;
    this.refs.push(ref);
  }

  private addDynamic(via: DynamicRef['via'], node: number, from: number): void {
    if (!this.withChildren) return;
    const t = this.t;
    let value = strOf(t, node);
    if (value === undefined && isObject(t, node)) value = memberStr(t, node, K.name) ?? 'inline plugin';
    this.dyn.push({ via, value: value ?? '', span: this.nodeSpan(node), from });
  }

  private typeSuffix(n: number): string | undefined {
    const ty = memberStr(this.t, n, K['@type']);
    if (ty === undefined) return undefined;
    return ty.slice(ty.lastIndexOf('.') + 1);
  }

  /**
   * Records the Istio resource a listener, filter chain, route configuration, virtual host, route or cluster was
   * generated from: istiod writes its path in `metadata.filter_metadata.istio.config` (issue 10 §6).
   */
  private istioConfig(n: number, info: DefInfo): void {
    const t = this.t;
    const md = member(t, n, K.metadata);
    if (md < 0) return;
    const path = memberStr(t, member(t, member(t, md, K.filter_metadata), K.istio), K.config);
    if (path === undefined) return;
    // Every subset cluster of a DestinationRule names the same resource: one shared record per path keeps the
    // index small (the records are never changed after extraction).
    let ref = this.istioRefs.get(path);
    if (ref === undefined && !this.istioRefs.has(path)) {
      ref = parseIstioConfigPath(path);
      this.istioRefs.set(path, ref);
    }
    if (ref) info.istio = ref;
  }

  // ---------------------------------------------------------------- shapes

  private root(n: number, depth: number): Shape {
    const t = this.t;
    if (isArray(t, n)) return depth < MAX_WRAPPER_DEPTH ? this.array(n, depth) : 'unknown';
    if (!isObject(t, n)) return 'unknown';
    const configs = member(t, n, K.configs);
    if (configs >= 0) {
      this.fullDumpSpan = this.nodeSpan(configs);
      if (isArray(t, configs)) {
        for (const c of children(t, configs)) this.section(c);
        return depth > 0 ? 'wrapped-config-dump' : 'config-dump';
      }
      if (isObject(t, configs)) {
        for (const c of children(t, configs)) this.section(c);
        return depth > 0 ? 'wrapped-config-dump' : 'config-dump-map';
      }
    }
    const statuses = member(t, n, K.cluster_statuses);
    if (statuses >= 0) {
      this.sections.add('clusterStatus');
      for (const c of children(t, statuses)) this.clusterStatus(c);
      return 'clusters-status';
    }
    const listenerStatuses = this.memberNamed(n, 'listener_statuses', 'listenerStatuses');
    if (listenerStatuses >= 0) {
      // Not a complete set of listener *configurations* (no filter chains): nothing is checked against it.
      for (const c of children(t, listenerStatuses)) this.listenerStatus(c);
      return 'listener-statuses';
    }
    if (member(t, n, K.static_resources) >= 0 || member(t, n, K.dynamic_resources) >= 0) {
      this.bootstrap(n, false);
      return 'bootstrap';
    }
    const boot = member(t, n, K.bootstrap);
    if (boot >= 0 && isObject(t, boot)) {
      this.bootstrap(boot, false);
      return 'bootstrap';
    }
    const suffix = this.typeSuffix(n);
    if ((suffix !== undefined && suffix.endsWith('ConfigDump')) || SECTION_KEYS.some((k) => member(t, n, k) >= 0)) {
      this.section(n);
      return 'config-dump-section';
    }
    const kind = this.classify(n);
    if (kind) {
      this.resource(kind, n, -1);
      this.sections.add(kind);
      return 'resource';
    }
    // Wrappers seen in real files: egctl keys dumps by namespace and pod, `{"xds": {"default/eg": {...}}}`.
    if (depth < 3) {
      let found: Shape = 'unknown';
      for (const c of children(t, n)) {
        if (!isObject(t, c) && !isArray(t, c)) continue;
        const s = this.root(c, depth + 1);
        if (s !== 'unknown' && s !== 'empty') found = s === 'config-dump' || s === 'config-dump-map' ? 'wrapped-config-dump' : s;
      }
      return found;
    }
    return 'unknown';
  }

  /** A bare array: istioctl's per-type output (listeners, routes, clusters, endpoint statuses). */
  private array(n: number, depth: number): Shape {
    const t = this.t;
    const items = children(t, n);
    if (items.length === 0) return 'empty';
    let kind: DefKind | undefined;
    for (const it of items) {
      kind = this.classify(it);
      if (kind) break;
    }
    if (!kind) {
      // An array of dumps (several proxies) or of wrapped objects.
      let found: Shape = 'unknown';
      for (const it of items) if (isObject(t, it)) {
        const s = this.root(it, depth + 1);
        if (s !== 'unknown') found = s;
      }
      return found;
    }
    this.sections.add(kind);
    this.complete.add(kind);
    for (const it of items) if (isObject(t, it)) this.resource(this.classify(it) ?? kind, it, -1);
    switch (kind) {
      case 'listener':
        return 'istioctl-listeners';
      case 'routeConfig':
        return 'istioctl-routes';
      case 'cluster':
        return 'istioctl-clusters';
      default:
        return 'istioctl-endpoints';
    }
  }

  /** Which resource an object is, by its @type or the keys only that resource has. */
  private classify(n: number): DefKind | undefined {
    const t = this.t;
    if (!isObject(t, n)) return undefined;
    const suffix = this.typeSuffix(n);
    if (suffix !== undefined && RESOURCE_TYPES[suffix]) return RESOURCE_TYPES[suffix];
    if (member(t, n, K.host_statuses) >= 0 || member(t, n, K.added_via_api) >= 0) return 'clusterStatus';
    if (member(t, n, K.filter_chains) >= 0 || member(t, n, K.listener_filters) >= 0 || member(t, n, K.default_filter_chain) >= 0) {
      return 'listener';
    }
    if (member(t, n, K.virtual_hosts) >= 0 || member(t, n, K.validate_clusters) >= 0) return 'routeConfig';
    if (member(t, n, K.cluster_name) >= 0 && member(t, n, K.endpoints) >= 0) return 'endpoints';
    for (const k of [K.connect_timeout, K.eds_cluster_config, K.lb_policy, K.load_assignment, K.cluster_type, K.circuit_breakers]) {
      if (member(t, n, k) >= 0) return 'cluster';
    }
    if (member(t, n, K.address) >= 0 && member(t, n, K.name) >= 0) return 'listener';
    // Dump wrappers inside an array: {"version_info", "listener": {...}}.
    if (isObject(t, member(t, n, K.listener))) return 'listener';
    if (isObject(t, member(t, n, K.route_config))) return 'routeConfig';
    if (isObject(t, member(t, n, K.cluster))) return 'cluster';
    if (isObject(t, member(t, n, K.endpoint_config))) return 'endpoints';
    return undefined;
  }

  /** One resource object of a known kind, possibly inside a dump wrapper. */
  private resource(kind: DefKind, n: number, parent: number): void {
    const t = this.t;
    const unwrap = (key: number): number => {
      const inner = member(t, n, key);
      return isObject(t, inner) ? inner : -1;
    };
    switch (kind) {
      case 'listener': {
        const inner = unwrap(K.listener);
        if (inner >= 0) this.listener(inner, 'active', 'listeners', n);
        else this.listener(n, 'active', 'listeners', -1);
        break;
      }
      case 'routeConfig': {
        const inner = unwrap(K.route_config);
        if (inner >= 0) this.routeConfig(inner, 'active', 'route configs', n, parent);
        else this.routeConfig(n, 'active', 'route configs', -1, parent);
        break;
      }
      case 'cluster': {
        const inner = unwrap(K.cluster);
        if (inner >= 0) this.cluster(inner, 'active', 'clusters', n);
        else this.cluster(n, 'active', 'clusters', -1);
        break;
      }
      case 'endpoints': {
        const inner = unwrap(K.endpoint_config);
        if (inner >= 0) this.loadAssignment(inner, 'active', 'endpoints', n);
        else this.loadAssignment(n, 'active', 'endpoints', -1);
        break;
      }
      case 'clusterStatus':
        this.clusterStatus(n);
        break;
      case 'secret':
        this.secret(n, 'active', 'secrets');
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- dump sections

  /** One entry of `configs`: a ConfigDump of one type (we dispatch on its keys, so unknown @types still work). */
  private section(n: number): void {
    const t = this.t;
    if (!isObject(t, n)) return;
    const suffix = this.typeSuffix(n);
    if (suffix !== undefined && DUMP_TYPES[suffix]) {
      this.sections.add(DUMP_TYPES[suffix]);
      this.complete.add(DUMP_TYPES[suffix]);
    }
    const end = t.next[n];
    for (let c = n + 1; c < end; c = t.next[c]) {
      const k = t.keyId[c];
      switch (k) {
        case K.bootstrap:
          if (isObject(t, c)) this.bootstrap(c, true);
          break;
        case K.static_listeners:
          this.mark('listener');
          for (const it of children(t, c)) this.wrapped(it, K.listener, (r) => this.listener(r, 'static', 'static_listeners', it));
          break;
        case K.dynamic_listeners:
          this.mark('listener');
          for (const it of children(t, c)) this.dynamicListener(it);
          break;
        case K.dynamic_active_listeners:
        case K.dynamic_warming_listeners:
        case K.dynamic_draining_listeners: {
          // Envoy ≤ 1.13 (admin v2alpha) kept one list per state.
          this.mark('listener');
          const state: DefState = k === K.dynamic_active_listeners ? 'active' : k === K.dynamic_warming_listeners ? 'warming' : 'draining';
          const section = t.keyText(c) ?? 'dynamic_listeners';
          for (const it of children(t, c)) this.wrapped(it, K.listener, (r) => this.listener(r, state, section, it));
          break;
        }
        case K.static_route_configs:
        case K.dynamic_route_configs: {
          this.mark('routeConfig');
          const state: DefState = k === K.static_route_configs ? 'static' : 'active';
          const section = k === K.static_route_configs ? 'static_route_configs' : 'dynamic_route_configs';
          for (const it of children(t, c)) this.wrapped(it, K.route_config, (r) => this.routeConfig(r, state, section, it, -1));
          break;
        }
        case K.static_clusters:
        case K.dynamic_active_clusters:
        case K.dynamic_warming_clusters: {
          this.mark('cluster');
          const state: DefState = k === K.static_clusters ? 'static' : k === K.dynamic_active_clusters ? 'active' : 'warming';
          const section = k === K.static_clusters ? 'static_clusters' : k === K.dynamic_active_clusters ? 'dynamic_active_clusters' : 'dynamic_warming_clusters';
          for (const it of children(t, c)) this.wrapped(it, K.cluster, (r) => this.cluster(r, state, section, it));
          break;
        }
        case K.static_endpoint_configs:
        case K.dynamic_endpoint_configs: {
          this.mark('endpoints');
          const state: DefState = k === K.static_endpoint_configs ? 'static' : 'active';
          const section = k === K.static_endpoint_configs ? 'static_endpoint_configs' : 'dynamic_endpoint_configs';
          for (const it of children(t, c)) this.wrapped(it, K.endpoint_config, (r) => this.loadAssignment(r, state, section, it));
          break;
        }
        case K.static_secrets:
        case K.dynamic_active_secrets:
        case K.dynamic_warming_secrets: {
          this.mark('secret');
          const state: DefState = k === K.static_secrets ? 'static' : k === K.dynamic_active_secrets ? 'active' : 'warming';
          const section = k === K.static_secrets ? 'static_secrets' : k === K.dynamic_active_secrets ? 'dynamic_active_secrets' : 'dynamic_warming_secrets';
          for (const it of children(t, c)) this.secret(it, state, section);
          break;
        }
        case K.ecds_filters:
          this.mark('ecdsFilter');
          for (const it of children(t, c)) this.ecds(it);
          break;
        case K.inline_scoped_route_configs:
        case K.dynamic_scoped_route_configs:
          this.mark('scopedRoute');
          for (const it of children(t, c)) this.scopedRoutes(it, k === K.inline_scoped_route_configs ? 'inline' : 'active', t.keyText(c) ?? '');
          break;
        default:
          break;
      }
    }
  }

  private mark(kind: DefKind): void {
    this.sections.add(kind);
    this.complete.add(kind);
  }

  /** Calls fn with the resource inside a dump wrapper `{version_info, <key>: {...}, last_updated}`. */
  private wrapped(item: number, key: number, fn: (resource: number) => void): void {
    const inner = member(this.t, item, key);
    if (isObject(this.t, inner)) fn(inner);
    else if (isObject(this.t, item) && member(this.t, item, K.name) >= 0) fn(item);
  }

  private dynamicListener(it: number): void {
    const t = this.t;
    if (!isObject(t, it)) return;
    const states: Array<[number, DefState]> = [
      [member(t, it, K.active_state), 'active'],
      [member(t, it, K.warming_state), 'warming'],
      [member(t, it, K.draining_state), 'draining'],
    ];
    const present = states.filter(([n]) => isObject(t, n));
    const error = member(t, it, K.error_state);
    const nameNode = member(t, it, K.name);
    const info: DefInfo = {};
    if (isObject(t, error)) {
      info.errorDetails = memberStr(t, error, K.details) ?? 'Envoy rejected this listener.';
    }
    if (present.length > 0) {
      const [wrapper, state] = present[0];
      if (present.length > 1) info.otherStates = present.slice(1).map(([, s]) => s);
      if (isObject(t, error)) (info.otherStates ??= []).push('error');
      const listener = member(t, wrapper, K.listener);
      if (isObject(t, listener)) {
        this.listener(listener, state, 'dynamic_listeners', wrapper, nameNode, it, info);
        return;
      }
    }
    if (isObject(t, error)) {
      const failed = member(t, error, K.failed_configuration);
      const innerName = member(t, failed, K.name);
      const nn = nameNode >= 0 ? nameNode : innerName;
      const name = strOf(t, nn) ?? '(unnamed listener)';
      this.addDef('listener', name, nn, it, -1, 'error', 'dynamic_listeners', it, info);
    }
  }

  // ---------------------------------------------------------------- resources

  private listener(
    n: number,
    state: DefState,
    section: string,
    wrapper: number,
    outerName = -1,
    outerSpan = -1,
    extra: DefInfo = {},
  ): void {
    const t = this.t;
    // A dynamic listener's entry names it first (`{"name", "active_state": {"listener": {"name"}}}`): that is the
    // name people see at the top of the entry, so it is the one that navigates.
    let nameNode = outerName >= 0 && t.kind[outerName] === KIND_STRING ? outerName : member(t, n, K.name);
    if (nameNode < 0 || t.kind[nameNode] !== KIND_STRING) nameNode = outerName;
    const name = strOf(t, nameNode) ?? '(unnamed listener)';
    const info: DefInfo = { ...extra };
    const addr = this.address(member(t, n, K.address));
    if (addr) info.address = addr;
    this.istioConfig(n, info);
    const idx = this.addDef('listener', name, nameNode, n, -1, state, section, outerSpan >= 0 ? outerSpan : wrapper, info);
    if (wrapper >= 0 && outerSpan >= 0) {
      const v = memberStr(t, wrapper, K.version_info);
      if (v !== undefined) this.defs[idx].versionInfo = v;
      const u = memberStr(t, wrapper, K.last_updated);
      if (u !== undefined) this.defs[idx].lastUpdated = u;
    }
    if (!this.withChildren) return;
    for (const chain of children(t, member(t, n, K.filter_chains))) this.filterChain(chain, idx, false);
    const dflt = member(t, n, K.default_filter_chain);
    if (isObject(t, dflt)) this.filterChain(dflt, idx, true);
    const lf = member(t, n, K.listener_filters);
    if (lf >= 0) this.walk(lf, K.listener_filters, idx);
  }

  private address(a: number): string | undefined {
    const t = this.t;
    if (!isObject(t, a)) return undefined;
    const sock = member(t, a, K.socket_address);
    if (isObject(t, sock)) {
      const ip = memberStr(t, sock, K.address) ?? '';
      const port = member(t, sock, K.port_value);
      return port >= 0 ? `${ip}:${t.str(port)}` : ip;
    }
    const pipe = member(t, a, K.pipe);
    if (isObject(t, pipe)) return memberStr(t, pipe, K.path);
    return undefined;
  }

  private filterChain(chain: number, listener: number, isDefault: boolean): void {
    const t = this.t;
    if (!isObject(t, chain)) return;
    const m = member(t, chain, K.filter_chain_match);
    const summary = isDefault ? 'default filter chain' : this.chainMatch(m);
    const nameNode = member(t, chain, K.name);
    const filters: string[] = [];
    for (const f of children(t, member(t, chain, K.filters))) {
      const fname = memberStr(t, f, K.name);
      if (fname) filters.push(fname);
    }
    const name = strOf(t, nameNode) ?? summary;
    const info: DefInfo = { chainMatch: summary, filters };
    this.istioConfig(chain, info);
    const idx = this.addDef('filterChain', name, nameNode, chain, listener, this.defs[listener].state, 'filter_chains', -1, info);
    const end = t.next[chain];
    for (let c = chain + 1; c < end; c = t.next[c]) {
      const k = t.keyId[c];
      if (k === K.filters || k === K.transport_socket) this.walk(c, k, idx);
    }
  }

  /** `port 9080 · sni a, b · tls · h2` */
  private chainMatch(m: number): string {
    const t = this.t;
    if (!isObject(t, m)) return 'any connection';
    const parts: string[] = [];
    const port = member(t, m, K.destination_port);
    if (port >= 0) parts.push(`port ${t.str(port)}`);
    const ranges = children(t, member(t, m, K.prefix_ranges)).map((r) => {
      const p = memberStr(t, r, K.address_prefix) ?? '';
      const len = member(t, r, K.prefix_len);
      return len >= 0 ? `${p}/${t.str(len)}` : p;
    });
    if (ranges.length) parts.push(`ip ${ranges.join(', ')}`);
    const sni = children(t, member(t, m, K.server_names)).map((s) => t.str(s));
    if (sni.length) parts.push(`sni ${sni.slice(0, 3).join(', ')}${sni.length > 3 ? ', …' : ''}`);
    const tp = memberStr(t, m, K.transport_protocol);
    if (tp) parts.push(tp);
    const alpn = children(t, member(t, m, K.application_protocols)).map((s) => t.str(s));
    if (alpn.length) parts.push(alpn.join(', '));
    return parts.length ? parts.join(' · ') : 'any connection';
  }

  private routeConfig(n: number, state: DefState, section: string, wrapper: number, parent: number): void {
    const t = this.t;
    const nameNode = member(t, n, K.name);
    const name = strOf(t, nameNode) ?? '(unnamed route configuration)';
    const info: DefInfo = {};
    const vc = member(t, n, K.validate_clusters);
    if (vc >= 0) info.validateClusters = t.kind[vc] === KIND_TRUE || (t.kind[vc] === KIND_OBJECT && t.str(member(t, vc, K.value)) === 'true');
    this.istioConfig(n, info);
    const idx = this.addDef('routeConfig', name, nameNode, n, parent, state, section, wrapper, info);
    if (!this.withChildren) return;
    for (const vh of children(t, member(t, n, K.virtual_hosts))) {
      if (!isObject(t, vh)) continue;
      const vhName = member(t, vh, K.name);
      const domains = children(t, member(t, vh, K.domains)).slice(0, MAX_DOMAINS).map((d) => t.str(d));
      const vhInfo: DefInfo = { domains };
      this.istioConfig(vh, vhInfo);
      const vi = this.addDef('virtualHost', strOf(t, vhName) ?? '(unnamed virtual host)', vhName, vh, idx, state, 'virtual_hosts', -1, vhInfo);
      for (const r of children(t, member(t, vh, K.routes))) this.route(r, vi, state);
      const mirrors = member(t, vh, K.request_mirror_policies);
      if (mirrors >= 0) this.mirrors(mirrors, vi);
    }
  }

  private route(r: number, vh: number, state: DefState): void {
    const t = this.t;
    if (!isObject(t, r)) return;
    const match = this.routeMatch(member(t, r, K.match));
    const nameNode = member(t, r, K.name);
    const info: DefInfo = { match };
    this.istioConfig(r, info);
    const idx = this.addDef('route', strOf(t, nameNode) ?? match, nameNode, r, vh, state, 'routes', -1, info);
    const action = member(t, r, K.route);
    if (isObject(t, action)) {
      info.action = this.routeAction(action, idx);
    } else if (member(t, r, K.redirect) >= 0) {
      info.action = 'redirect';
    } else {
      const dr = member(t, r, K.direct_response);
      if (dr >= 0) info.action = `direct response ${t.str(member(t, dr, K.status))}`;
    }
  }

  private routeAction(a: number, from: number): string {
    const t = this.t;
    let action = '';
    const end = t.next[a];
    for (let c = a + 1; c < end; c = t.next[c]) {
      switch (t.keyId[c]) {
        case K.cluster:
          this.addRef('route', c, from);
          action = `cluster ${strOf(t, c) ?? ''}`;
          break;
        case K.weighted_clusters: {
          const names: string[] = [];
          for (const wc of children(t, member(t, c, K.clusters))) {
            const nn = member(t, wc, K.name);
            if (nn >= 0) {
              this.addRef('weighted-cluster', nn, from);
              const w = member(t, wc, K.weight);
              names.push(`${t.str(nn)}${w >= 0 ? ` (${t.str(w)})` : ''}`);
            }
            const hdr = member(t, wc, K.cluster_header);
            if (hdr >= 0) this.addDynamic('cluster_header', hdr, from);
          }
          action = `weighted clusters ${names.join(', ')}`;
          break;
        }
        case K.cluster_header:
          this.addDynamic('cluster_header', c, from);
          action = `cluster from header ${strOf(t, c) ?? ''}`;
          break;
        case K.cluster_specifier_plugin:
          this.addDynamic('cluster_specifier_plugin', c, from);
          action = `cluster from plugin ${strOf(t, c) ?? ''}`;
          break;
        case K.inline_cluster_specifier_plugin:
          this.addDynamic('inline_cluster_specifier_plugin', c, from);
          action = 'cluster from an inline plugin';
          break;
        case K.request_mirror_policies:
        case K.request_mirror_policy:
          this.mirrors(c, from);
          break;
        default:
          break;
      }
    }
    return action;
  }

  private mirrors(n: number, from: number): void {
    const t = this.t;
    const items = isArray(t, n) ? children(t, n) : [n];
    for (const m of items) {
      const c = member(t, m, K.cluster);
      if (c >= 0) this.addRef('mirror', c, from);
      const h = member(t, m, K.cluster_header);
      if (h >= 0) this.addDynamic('cluster_header', h, from);
    }
  }

  /** `prefix /api` · `path /x` · `regex ^/v[0-9]` plus header count. */
  private routeMatch(m: number): string {
    const t = this.t;
    if (!isObject(t, m)) return 'any request';
    let s = 'any request';
    const prefix = member(t, m, K.prefix);
    const path = member(t, m, K.path);
    const regex = member(t, m, K.safe_regex);
    const psp = member(t, m, K.path_separated_prefix);
    if (prefix >= 0) s = `prefix ${t.str(prefix)}`;
    else if (path >= 0) s = `path ${t.str(path)}`;
    else if (psp >= 0) s = `path prefix ${t.str(psp)}`;
    else if (regex >= 0) s = `regex ${memberStr(t, regex, K.regex) ?? ''}`;
    else if (member(t, m, K.connect_matcher) >= 0) s = 'CONNECT';
    const headers = children(t, member(t, m, K.headers)).length;
    if (headers) s += ` · ${headers} header${headers > 1 ? 's' : ''}`;
    const qp = children(t, member(t, m, K.query_parameters)).length;
    if (qp) s += ` · ${qp} query parameter${qp > 1 ? 's' : ''}`;
    return s;
  }

  private cluster(n: number, state: DefState, section: string, wrapper: number): void {
    const t = this.t;
    const nameNode = member(t, n, K.name);
    const name = strOf(t, nameNode) ?? '(unnamed cluster)';
    const info: DefInfo = {};
    const ty = member(t, n, K.type);
    const custom = member(t, n, K.cluster_type);
    if (ty >= 0) info.clusterType = t.str(ty);
    else if (isObject(t, custom)) info.clusterType = memberStr(t, custom, K.name) ?? 'custom';
    else info.clusterType = 'STATIC'; // proto default when `type` is omitted
    const la = member(t, n, K.load_assignment);
    if (isObject(t, la)) info.endpoints = this.endpointCounts(la);
    this.istioConfig(n, info);
    const idx = this.addDef('cluster', name, nameNode, n, -1, state, section, wrapper, info);
    if (!this.withChildren) return;
    if (info.clusterType === 'EDS') {
      const eds = member(t, n, K.eds_cluster_config);
      const svc = member(t, eds, K.service_name);
      if (svc >= 0 && t.kind[svc] === KIND_STRING) {
        info.edsName = t.str(svc);
        this.addRef('eds', svc, idx);
      } else {
        info.edsName = name;
        if (nameNode >= 0) this.addRef('eds', nameNode, idx);
      }
      this.edsClusters.push(idx);
      if (eds >= 0) this.walk(eds, K.eds_cluster_config, idx);
    }
    if (isObject(t, custom)) {
      // envoy.clusters.aggregate lists the clusters it fails over between.
      const cfg = member(t, custom, K.typed_config);
      for (const c of children(t, member(t, cfg, K.clusters))) this.addRef('aggregate', c, idx);
    }
    for (const k of [K.transport_socket, K.transport_socket_matches]) {
      const ts = member(t, n, k);
      if (ts >= 0) this.walk(ts, k, idx);
    }
  }

  private endpointCounts(la: number): EndpointCounts {
    const t = this.t;
    const counts: EndpointCounts = { total: 0, healthy: 0, byStatus: {}, sample: [], sampleStatus: [] };
    for (const loc of children(t, member(t, la, K.endpoints))) {
      for (const lb of children(t, member(t, loc, K.lb_endpoints))) {
        const status = memberStr(t, lb, K.health_status) ?? 'UNKNOWN';
        this.count(counts, status, isUsableStatus(status), member(t, member(t, lb, K.endpoint), K.address));
      }
    }
    return counts;
  }

  private count(counts: EndpointCounts, status: string, usable: boolean, addressNode: number): void {
    counts.total++;
    if (usable) counts.healthy++;
    counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
    if (counts.sample.length < this.samples) {
      const a = this.address(addressNode);
      if (a) {
        counts.sample.push(a);
        counts.sampleStatus.push(status);
      }
    }
  }

  private loadAssignment(n: number, state: DefState, section: string, wrapper: number): void {
    const t = this.t;
    const nameNode = member(t, n, K.cluster_name);
    const name = strOf(t, nameNode) ?? '(unnamed load assignment)';
    this.addDef('endpoints', name, nameNode, n, -1, state, section, wrapper, { endpoints: this.endpointCounts(n) });
  }

  /** One entry of /clusters?format=json or `istioctl pc endpoint -o json`: live health as the proxy sees it. */
  private clusterStatus(n: number): void {
    const t = this.t;
    if (!isObject(t, n)) return;
    const nameNode = member(t, n, K.name);
    const name = strOf(t, nameNode) ?? '(unnamed cluster)';
    const counts: EndpointCounts = { total: 0, healthy: 0, byStatus: {}, sample: [], sampleStatus: [] };
    for (const h of children(t, member(t, n, K.host_statuses))) {
      const hs = member(t, h, K.health_status);
      let status = 'HEALTHY';
      let usable = true;
      if (isObject(t, hs)) {
        status = memberStr(t, hs, K.eds_health_status) ?? 'HEALTHY';
        usable = isUsableStatus(status);
        // Any `failed_*` flag (active health check, outlier detection, EDS health) takes the host out of rotation.
        for (const c of children(t, hs)) {
          if (t.kind[c] === KIND_TRUE && (t.keyText(c) ?? '').toLowerCase().startsWith('failed')) {
            usable = false;
            status = (t.keyText(c) ?? 'failed').toUpperCase();
          }
        }
      }
      this.count(counts, status, usable, member(t, h, K.address));
    }
    const idx = this.addDef('clusterStatus', name, nameNode, n, -1, 'active', 'cluster_statuses', -1, { endpoints: counts });
    if (nameNode >= 0) this.addRef('health', nameNode, idx);
  }

  /**
   * One entry of admin `/listeners?format=json` (`admin.v3.ListenerStatus`): a listener's name and the addresses it is
   * bound to (`local_address` carries the port the OS chose for port 0; `additional_local_addresses` since Envoy 1.24).
   */
  private listenerStatus(n: number): void {
    const t = this.t;
    if (!isObject(t, n)) return;
    const nameNode = member(t, n, K.name);
    const name = strOf(t, nameNode) ?? '(unnamed listener)';
    const info: DefInfo = {};
    const addr = this.address(this.memberNamed(n, 'local_address', 'localAddress'));
    if (addr) info.address = addr;
    const more: string[] = [];
    for (const a of children(t, this.memberNamed(n, 'additional_local_addresses', 'additionalLocalAddresses'))) {
      const s = this.address(a);
      if (s) more.push(s);
    }
    if (more.length) info.additionalAddresses = more;
    this.addDef('listener', name, nameNode, n, -1, 'active', 'listener_statuses', -1, info);
  }

  /** The member of obj named `snake` or `camel`, for keys outside the vocabulary of keys.ts (compared as text). */
  private memberNamed(obj: number, snake: string, camel: string): number {
    const t = this.t;
    if (!isObject(t, obj)) return -1;
    const end = t.next[obj];
    for (let c = obj + 1; c < end; c = t.next[c]) {
      if (t.keyId[c] !== KEY_UNKNOWN) continue;
      const k = t.keyText(c);
      if (k === snake || k === camel) return c;
    }
    return -1;
  }

  private secret(it: number, state: DefState, section: string): void {
    const t = this.t;
    if (!isObject(t, it)) return;
    let nameNode = member(t, it, K.name);
    const inner = member(t, it, K.secret);
    if (nameNode < 0) nameNode = member(t, inner, K.name);
    const name = strOf(t, nameNode) ?? '(unnamed secret)';
    const certificates = this.certificates(isObject(t, inner) ? inner : it);
    this.addDef('secret', name, nameNode, it, -1, state, section, it, certificates.length ? { certificates } : {});
  }

  /**
   * The certificates a Secret carries inline: `tls_certificate.certificate_chain`, `validation_context.trusted_ca`,
   * and the trust bundles of a SPIFFE validator (`custom_validator_config` … `trust_domains[].trust_bundle`), each
   * `inline_bytes` (base64 of PEM) or `inline_string` (PEM). Files and environment variables are not read.
   */
  private certificates(secret: number): CertificateInfo[] {
    const out: CertificateInfo[] = [];
    const tlsCert = this.memberNamed(secret, 'tls_certificate', 'tlsCertificate');
    this.dataSource(this.memberNamed(tlsCert, 'certificate_chain', 'certificateChain'), 'certificate_chain', undefined, out);
    const vc = this.memberNamed(secret, 'validation_context', 'validationContext');
    this.dataSource(this.memberNamed(vc, 'trusted_ca', 'trustedCa'), 'trusted_ca', undefined, out);
    const validator = member(this.t, this.memberNamed(vc, 'custom_validator_config', 'customValidatorConfig'), K.typed_config);
    for (const td of children(this.t, this.memberNamed(validator, 'trust_domains', 'trustDomains'))) {
      const bundle = this.memberNamed(td, 'trust_bundle', 'trustBundle');
      this.dataSource(bundle, 'trust_bundle', strOf(this.t, member(this.t, td, K.name)) ?? '', out);
    }
    return out;
  }

  private dataSource(ds: number, source: CertificateSource, trustDomain: string | undefined, out: CertificateInfo[]): void {
    const t = this.t;
    let node = this.memberNamed(ds, 'inline_bytes', 'inlineBytes');
    const isBytes = node >= 0;
    if (!isBytes) node = this.memberNamed(ds, 'inline_string', 'inlineString');
    if (node < 0 || t.kind[node] !== KIND_STRING) return;
    // The same data is decoded once: YAML alias copies of one secret (`[*s, *s, …]`, 4 bytes a certificate) and the
    // copies every dump holds (a full dump's bootstrap secrets, ROOTCA beside each chain's root).
    const value = t.str(node);
    const cache = isBytes ? this.certCache.bytes : this.certCache.text;
    let read = cache.get(value);
    if (!read) {
      // A scrubbed copy (envoy-lens scrub) states the certificates' facts in place of their bytes.
      read = readScrubbedCertificates(value) ?? (isBytes ? readBase64PemBundle(value) : readPemBundle(value));
      cache.set(value, read);
    }
    const span = this.nodeSpan(node);
    const { certs, more } = read;
    certs.forEach((c, index) => {
      const info: CertificateInfo = { source, index, span };
      if (trustDomain !== undefined) info.trustDomain = trustDomain;
      if (c.ok) {
        info.subject = c.subject;
        info.issuer = c.issuer;
        info.serial = c.serial;
        info.notBefore = c.notBefore;
        info.notAfter = c.notAfter;
        info.sans = c.sans;
        info.isCA = c.isCA;
      } else info.error = c.error;
      out.push(info);
    });
    if (more > 0 && out.length > 0) out[out.length - 1].more = more;
  }

  private ecds(it: number): void {
    const t = this.t;
    const f = member(t, it, K.ecds_filter);
    const nameNode = member(t, isObject(t, f) ? f : it, K.name);
    const name = strOf(t, nameNode) ?? '(unnamed extension config)';
    this.addDef('ecdsFilter', name, nameNode, it, -1, 'active', 'ecds_filters', it, {});
  }

  private scopedRoutes(it: number, state: DefState, section: string): void {
    const t = this.t;
    for (const sc of children(t, member(t, it, K.scoped_route_configs))) {
      const nameNode = member(t, sc, K.name);
      const idx = this.addDef('scopedRoute', strOf(t, nameNode) ?? '(unnamed scope)', nameNode, sc, -1, state, section, -1, {});
      const rc = member(t, sc, K.route_configuration_name);
      if (rc >= 0) this.addRef('scoped-route', rc, idx);
    }
  }

  private bootstrap(n: number, inDump: boolean): void {
    const t = this.t;
    const before = this.group;
    if (inDump) this.group = 'bootstrap';
    const statics = member(t, n, K.static_resources);
    const dynamics = member(t, n, K.dynamic_resources);
    if (!inDump) {
      // A bootstrap alone is complete for what it cannot fetch over xDS.
      this.sections.add('listener');
      this.sections.add('cluster');
      if (member(t, dynamics, K.lds_config) < 0) this.complete.add('listener');
      if (member(t, dynamics, K.cds_config) < 0) this.complete.add('cluster');
    }
    // Inside a full dump the same static listeners and clusters are in the static sections: define them here for
    // navigation only, so their references are not counted twice.
    const saved = this.withChildren;
    if (inDump) this.withChildren = false;
    const sect = inDump ? 'bootstrap.static_resources' : 'static_resources';
    for (const l of children(t, member(t, statics, K.listeners))) this.listener(l, 'static', `${sect}.listeners`, -1);
    for (const c of children(t, member(t, statics, K.clusters))) this.cluster(c, 'static', `${sect}.clusters`, -1);
    for (const s of children(t, member(t, statics, K.secrets))) this.secret(s, 'static', `${sect}.secrets`);
    this.withChildren = saved;
    const end = t.next[n];
    for (let c = n + 1; c < end; c = t.next[c]) {
      const k = t.keyId[c];
      if (k === K.static_resources || k === K.node) continue;
      if (t.kind[c] === KIND_OBJECT || t.kind[c] === KIND_ARRAY) this.walk(c, k, -1);
    }
    this.group = before;
  }

  // ---------------------------------------------------------------- generic walk

  /**
   * Finds references at any depth of a filter or TLS config. `pk` is the key under which `n` sits.
   *
   * Iterative on purpose: a filter's `typed_config` is free-form, and 100,000 nested arrays (200 KB) must not
   * overflow the stack (issue 8). The tape is pre-order, so the walk moves forward over it, skipping a subtree with
   * `next[]`, and keeps only a stack of the open containers with the key each sits under.
   */
  private walk(n: number, pk: number, from: number): void {
    const t = this.t;
    if (t.kind[n] !== KIND_OBJECT && t.kind[n] !== KIND_ARRAY) return;
    const open: number[] = [];
    const keys: number[] = [];
    const enter = (c: number, key: number): void => {
      if (t.kind[c] === KIND_OBJECT) this.tick();
      open.push(c);
      keys.push(key);
    };
    enter(n, pk);
    let c = n + 1;
    while (open.length > 0) {
      const top = open.length - 1;
      const parent = open[top];
      if (c >= t.next[parent]) {
        open.pop();
        keys.pop();
        continue;
      }
      const ck = t.kind[c];
      const container = ck === KIND_OBJECT || ck === KIND_ARRAY;
      if (t.kind[parent] === KIND_ARRAY) {
        // Array items sit under the array's own key (`cluster_names: [a, b]`).
        if (container) {
          enter(c, keys[top]);
          c++;
        } else {
          if (keys[top] === K.cluster_names) this.addRef('config-source', c, from);
          c = t.next[c];
        }
        continue;
      }
      const k = t.keyId[c];
      if (this.walkMember(parent, keys[top], c, k, from)) {
        c = t.next[c];
      } else if (container) {
        enter(c, k);
        c++;
      } else {
        if (k === K.cluster_names && ck === KIND_STRING) this.addRef('config-source', c, from);
        c = t.next[c];
      }
    }
  }

  /**
   * One member `c` (key `k`) of object `obj` (which sits under key `pk`) met by the generic walk. Returns true when it
   * was handled and its subtree is to be skipped, false when the walk descends into it as into any other value.
   */
  private walkMember(obj: number, pk: number, c: number, k: number, from: number): boolean {
    const t = this.t;
    const inFilterConfig = pk === K.typed_config || pk === K.config;
    switch (k) {
      case K.metadata:
        return true;
      case K.rds: {
        const rc = member(t, c, K.route_config_name);
        if (rc >= 0) this.addRef('rds', rc, from);
        return true;
      }
      case K.route_config:
        if (isObject(t, c)) this.routeConfig(c, 'inline', 'route_config', -1, from);
        return true;
      case K.envoy_grpc: {
        const cn = member(t, c, K.cluster_name);
        if (cn >= 0) this.addRef('grpc-service', cn, from);
        return true;
      }
      case K.http_uri: {
        const cn = member(t, c, K.cluster);
        if (cn >= 0) this.addRef('http-uri', cn, from);
        return true;
      }
      case K.tls_certificate_sds_secret_configs:
        for (const s of children(t, c)) {
          const nn = member(t, s, K.name);
          if (nn >= 0) this.addRef('sds', nn, from);
        }
        return true;
      case K.validation_context_sds_secret_config:
      case K.session_ticket_keys_sds_secret_config: {
        const nn = member(t, c, K.name);
        if (nn >= 0) this.addRef('sds', nn, from);
        return true;
      }
      case K.config_discovery: {
        // ECDS: the filter's own name is the extension config it waits for.
        const nn = member(t, obj, K.name);
        if (nn >= 0) this.addRef('ecds', nn, from);
        return true;
      }
      case K.collector_cluster:
        this.addRef('tracing', c, from);
        return true;
      case K.local_cluster_name:
        this.addRef('local-cluster', c, from);
        return true;
      case K.cluster:
        // tcp_proxy (and udp_proxy, redis catch-all) name their cluster at the top of their config.
        if (inFilterConfig && t.kind[c] === KIND_STRING) this.addRef('tcp-proxy', c, from);
        return t.kind[c] !== KIND_OBJECT;
      case K.weighted_clusters:
        if (!inFilterConfig) return false;
        for (const wc of children(t, member(t, c, K.clusters))) {
          const nn = member(t, wc, K.name);
          if (nn >= 0) this.addRef('tcp-weighted-cluster', nn, from);
        }
        return true;
      default:
        return false;
    }
  }
}
