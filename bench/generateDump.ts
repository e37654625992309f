/**
 * Deterministic generator of Istio-like sidecar config dumps for the benchmark and tests.
 *
 * The output has the shape of `GET /config_dump?include_eds` from an Istio sidecar: a `configs` array with
 * BootstrapConfigDump, ClustersConfigDump, ListenersConfigDump, ScopedRoutesConfigDump, RoutesConfigDump,
 * SecretsConfigDump and (with `includeEds`) EndpointsConfigDump, using the field names and type URLs Envoy prints
 * (checked against the real dumps in /work/shared/corpus). It is pretty-printed with two spaces like Envoy's output.
 *
 * `casing: 'camel'` prints what protojson (istioctl) prints: every proto field name camelCased, while keys inside
 * google.protobuf.Struct values (node metadata, filter_metadata entries, TypedStruct values, transport socket match
 * criteria) and map keys (typed_extension_protocol_options) keep their spelling, and `@type` stays `@type`.
 *
 * The output is built one resource at a time (each serialized with JSON.stringify and re-indented) so that a
 * 150 MB dump never exists as one object graph.
 */
import YAML from 'yaml';

export type Casing = 'snake' | 'camel';

export interface GenerateOptions {
  /** Number of mesh services the sidecar knows about (svc-0 is the sidecar's own workload). */
  services: number;
  /** Ports per service (1..8). */
  portsPerService: number;
  casing: Casing;
  /** Add the EndpointsConfigDump (`?include_eds`). */
  includeEds: boolean;
  /** Fraction (0..1) of the cluster references in RoutesConfigDump that name a cluster that does not exist. */
  danglingRate?: number;
  seed: number;
}

export interface DumpStats {
  /** UTF-8 length of the text (the text is ASCII, so also its length in UTF-16 units). */
  bytes: number;
  services: number;
  clusters: number;
  edsClusters: number;
  listeners: number;
  routeConfigs: number;
  virtualHosts: number;
  /** Cluster references inside RoutesConfigDump: route.cluster, weighted_clusters names, request_mirror_policies. */
  routeClusterRefs: number;
  /** How many of routeClusterRefs name a cluster that does not exist: floor(routeClusterRefs × danglingRate). */
  danglingRefs: number;
  /** ClusterLoadAssignments in EndpointsConfigDump (0 without includeEds). */
  endpointConfigs: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Serialization helpers: values that keep their keys in camel output.

/** A google.protobuf.Struct (or any JSON blob protojson leaves alone): no key in it is renamed. */
class Struct {
  constructor(readonly value: unknown) {}
  toJSON(): unknown {
    return this.value;
  }
}

/** A proto map<string, Message>: the map keys keep their spelling, the values are messages (renamed). */
class ProtoMap {
  constructor(readonly value: Record<string, unknown>) {}
  toJSON(): unknown {
    return this.value;
  }
}

const struct = (v: unknown): Struct => new Struct(v);
const protoMap = (v: Record<string, unknown>): ProtoMap => new ProtoMap(v);

const camelKeyCache = new Map<string, string>();
function camelKey(k: string): string {
  let c = camelKeyCache.get(k);
  if (c === undefined) {
    c = k.replace(/_([a-z0-9])/g, (_m, ch: string) => ch.toUpperCase());
    camelKeyCache.set(k, c);
  }
  return c;
}

/** Deep copy with proto field names camelCased; shared sub-objects are converted once (memo by identity). */
function camelize(v: unknown, memo: Map<object, unknown>): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Struct) return v;
  const hit = memo.get(v);
  if (hit !== undefined) return hit;
  let out: unknown;
  if (v instanceof ProtoMap) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v.value)) o[k] = camelize(v.value[k], memo);
    out = o;
  } else if (Array.isArray(v)) {
    out = v.map((x) => camelize(x, memo));
  } else {
    const o: Record<string, unknown> = {};
    const src = v as Record<string, unknown>;
    for (const k of Object.keys(src)) o[k === '@type' ? k : camelKey(k)] = camelize(src[k], memo);
    out = o;
  }
  memo.set(v, out);
  return out;
}

/** Lazily produced array items, for the few big arrays of the dump. */
class Lazy {
  constructor(readonly items: () => Iterable<unknown>) {}
}

/** An object written member by member because some member below it is Lazy. */
class Skeleton {
  constructor(readonly value: Record<string, unknown>) {}
}
const skel = (v: Record<string, unknown>): Skeleton => new Skeleton(v);

const INDENTS: string[] = [];
function indent(depth: number): string {
  return (INDENTS[depth] ??= '  '.repeat(depth));
}

/**
 * Writes `value` at nesting `depth` into `out`, exactly as JSON.stringify(root, null, 2) would print it.
 * Skeleton objects and Lazy arrays are walked here; everything else goes through JSON.stringify (after camelize).
 */
class Writer {
  readonly out: string[] = [];
  bytes = 0;
  private memo = new Map<object, unknown>();
  constructor(private readonly camel: boolean) {}

  private push(s: string): void {
    this.out.push(s);
    this.bytes += s.length;
  }

  key(k: string): string {
    return this.camel && k !== '@type' ? camelKey(k) : k;
  }

  value(v: unknown, depth: number): void {
    if (v instanceof Lazy) this.lazyArray(v, depth);
    else if (v instanceof Skeleton) this.skeletonObject(v.value, depth);
    else this.leaf(v, depth);
  }

  private leaf(v: unknown, depth: number): void {
    const conv = this.camel ? camelize(v, this.memo) : v;
    let s = JSON.stringify(conv, null, 2);
    if (depth > 0 && s.includes('\n')) s = s.replace(/\n/g, '\n' + indent(depth));
    this.push(s);
  }

  private skeletonObject(o: Record<string, unknown>, depth: number): void {
    const keys = Object.keys(o).filter((k) => o[k] !== undefined);
    if (keys.length === 0) {
      this.push('{}');
      return;
    }
    this.push('{');
    keys.forEach((k, i) => {
      this.push(`${i === 0 ? '' : ','}\n${indent(depth + 1)}${JSON.stringify(this.key(k))}: `);
      this.value(o[k], depth + 1);
    });
    this.push(`\n${indent(depth)}}`);
  }

  private lazyArray(l: Lazy, depth: number): void {
    let n = 0;
    for (const item of l.items()) {
      this.push(`${n === 0 ? '[' : ','}\n${indent(depth + 1)}`);
      this.value(item, depth + 1);
      n++;
      // Memo only helps within a resource; dropping it keeps memory flat across a 150 MB dump.
      if (this.memo.size > 10000) this.memo = new Map();
    }
    this.push(n === 0 ? '[]' : `\n${indent(depth)}]`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness.

/** Mulberry32: a small seeded generator, shared by the generator and the seeded tests. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed ^ 0x5eed1234);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The mesh model.

type Protocol = 'http' | 'grpc' | 'tcp';

interface PortSpec {
  port: number;
  protocol: Protocol;
}

const PORT_POOL: readonly PortSpec[] = [
  { port: 80, protocol: 'http' }, { port: 8080, protocol: 'http' }, { port: 9080, protocol: 'http' },
  { port: 8000, protocol: 'http' }, { port: 3000, protocol: 'http' }, { port: 5000, protocol: 'http' },
  { port: 9090, protocol: 'http' }, { port: 8081, protocol: 'http' }, { port: 7070, protocol: 'http' },
  { port: 50051, protocol: 'grpc' }, { port: 9000, protocol: 'grpc' }, { port: 8443, protocol: 'tcp' },
  { port: 3306, protocol: 'tcp' }, { port: 5432, protocol: 'tcp' }, { port: 6379, protocol: 'tcp' },
  { port: 27017, protocol: 'tcp' }, { port: 9092, protocol: 'tcp' }, { port: 443, protocol: 'tcp' },
];
const HTTP_PORTS = PORT_POOL.filter((p) => p.protocol !== 'tcp');

interface Service {
  index: number;
  name: string;
  ns: string;
  fqdn: string;
  vip: string;
  ports: PortSpec[];
  subsets: string[];
  /** Route shape for this service's HTTP ports. */
  extraRoutes: number;
  mirror: boolean;
  pods: number;
}

const FQDN_SUFFIX = 'svc.cluster.local';

function buildServices(o: GenerateOptions, rng: Rng): Service[] {
  const nsCount = Math.max(1, Math.round(o.services / 40));
  const ppsRaw = Math.round(o.portsPerService);
  const pps = Math.max(1, Math.min(8, Number.isFinite(ppsRaw) ? ppsRaw : 1));
  const out: Service[] = [];
  for (let i = 0; i < o.services; i++) {
    const name = `svc-${i}`;
    const ns = `ns-${i % nsCount}`;
    const ports: PortSpec[] = [];
    // The first port is mostly HTTP, as in most meshes; the others come from the whole pool.
    const first = rng.chance(0.85) ? rng.pick(HTTP_PORTS) : rng.pick(PORT_POOL);
    ports.push(first);
    while (ports.length < pps) {
      const p = rng.pick(PORT_POOL);
      if (!ports.some((q) => q.port === p.port)) ports.push(p);
    }
    const subsets = rng.chance(0.3) ? ['v1', 'v2'] : [];
    out.push({
      index: i, name, ns, fqdn: `${name}.${ns}.${FQDN_SUFFIX}`,
      vip: `10.${96 + ((i >> 16) & 31)}.${(i >> 8) & 255}.${i & 255}`,
      ports, subsets,
      extraRoutes: rng.chance(0.35) ? 1 + rng.int(3) : 0,
      mirror: rng.chance(0.08),
      pods: 1 + rng.int(3),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared fragments (one object per dump; JSON.stringify prints shared objects like copies).

const T = 'type.googleapis.com/';

const ACCESS_LOG_FORMAT = '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% '
  + '%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" '
  + '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" '
  + '"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% '
  + '%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

function accessLog(nrOnly: boolean): unknown {
  return {
    name: 'envoy.access_loggers.file',
    ...(nrOnly ? { filter: { response_flag_filter: { flags: ['NR'] } } } : {}),
    typed_config: {
      '@type': `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
      path: '/dev/stdout',
      log_format: { text_format: ACCESS_LOG_FORMAT },
    },
  };
}

const SDS_CONFIG = {
  api_config_source: {
    api_type: 'GRPC',
    grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }],
    set_node_on_first_message_only: true,
    transport_api_version: 'V3',
  },
  initial_fetch_timeout: '0s',
  resource_api_version: 'V3',
};

const ADS = { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' };

const METADATA_EXCHANGE_NETWORK = {
  name: 'istio.metadata_exchange',
  typed_config: {
    '@type': `${T}udpa.type.v1.TypedStruct`,
    type_url: `${T}envoy.tcp.metadataexchange.config.MetadataExchange`,
    value: struct({ protocol: 'istio-peer-exchange' }),
  },
};

function statsConfigString(outbound: boolean): string {
  const dims = outbound
    ? '        "source_cluster": "node.metadata[\'CLUSTER_ID\']",\n        "destination_cluster": "upstream_peer.cluster_id"\n'
    : '        "destination_cluster": "node.metadata[\'CLUSTER_ID\']",\n        "source_cluster": "downstream_peer.cluster_id"\n';
  return `{\n  "debug": "false",\n  "stat_prefix": "istio",\n  "metrics": [\n    {\n      "dimensions": {\n${dims}      }\n    }\n  ]\n}\n`;
}

function wasmFilter(name: string, network: boolean, rootId: string | undefined, vmId: string | undefined,
  code: string, configuration: string): unknown {
  return {
    name,
    typed_config: {
      '@type': `${T}udpa.type.v1.TypedStruct`,
      type_url: `${T}envoy.extensions.filters.${network ? 'network' : 'http'}.wasm.v3.Wasm`,
      value: struct({
        config: {
          ...(rootId ? { root_id: rootId } : {}),
          vm_config: {
            ...(vmId ? { vm_id: vmId } : {}),
            runtime: 'envoy.wasm.runtime.null',
            code: { local: { inline_string: code } },
          },
          configuration: { '@type': `${T}google.protobuf.StringValue`, value: configuration },
        },
      }),
    },
  };
}

const TCP_STATS_OUTBOUND = wasmFilter('istio.stats', true, 'stats_outbound', 'tcp_stats_outbound', 'envoy.wasm.stats', statsConfigString(true));
const TCP_STATS_INBOUND = wasmFilter('istio.stats', true, 'stats_inbound', 'tcp_stats_inbound', 'envoy.wasm.stats', statsConfigString(false));

const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router` } };

function httpFilters(outbound: boolean): unknown[] {
  const filters: unknown[] = [
    wasmFilter('istio.metadata_exchange', false, undefined, undefined, 'envoy.wasm.metadata_exchange', '{}\n'),
  ];
  if (outbound) {
    filters.push({
      name: 'istio.alpn',
      typed_config: {
        '@type': `${T}istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig`,
        alpn_override: [
          { alpn_override: ['istio-http/1.0', 'istio', 'http/1.0'] },
          { upstream_protocol: 'HTTP11', alpn_override: ['istio-http/1.1', 'istio', 'http/1.1'] },
          { upstream_protocol: 'HTTP2', alpn_override: ['istio-h2', 'istio', 'h2'] },
        ],
      },
    });
  } else {
    filters.push({
      name: 'istio_authn',
      typed_config: {
        '@type': `${T}istio.envoy.config.filter.http.authn.v2alpha1.FilterConfig`,
        policy: { peers: [{ mtls: { mode: 'PERMISSIVE' } }] },
        skip_validate_trust_domain: true,
      },
    });
  }
  filters.push(
    { name: 'envoy.filters.http.cors', typed_config: { '@type': `${T}envoy.extensions.filters.http.cors.v3.Cors` } },
    { name: 'envoy.filters.http.fault', typed_config: { '@type': `${T}envoy.extensions.filters.http.fault.v3.HTTPFault` } },
    wasmFilter('istio.stats', false, outbound ? 'stats_outbound' : 'stats_inbound', outbound ? 'stats_outbound' : 'stats_inbound',
      'envoy.wasm.stats', statsConfigString(outbound)),
    ROUTER,
  );
  return filters;
}

const HTTP_FILTERS_OUTBOUND = httpFilters(true);
const HTTP_FILTERS_INBOUND = httpFilters(false);

const TRACING = {
  client_sampling: { value: 100 },
  random_sampling: { value: 1 },
  overall_sampling: { value: 100 },
  custom_tags: [
    ['istio.canonical_revision', 'CANONICAL_REVISION', 'latest'],
    ['istio.canonical_service', 'CANONICAL_SERVICE', 'unknown'],
    ['istio.mesh_id', 'ISTIO_META_MESH_ID', 'unknown'],
    ['istio.namespace', 'POD_NAMESPACE', 'default'],
  ].map(([tag, name, dflt]) => ({ tag, environment: { name, default_value: dflt } })),
};

const CIRCUIT_BREAKERS_MAX = {
  thresholds: [{
    max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295,
    track_remaining: true,
  }],
};

const RETRY_POLICY = {
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }],
  host_selection_retry_max_attempts: '5',
  retriable_status_codes: [503],
};

const TLS_PARAMS = {
  tls_minimum_protocol_version: 'TLSv1_2',
  cipher_suites: ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-GCM-SHA256'],
};

function upstreamTls(sa: string, sni: string): unknown {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
        alpn_protocols: ['istio-peer-exchange', 'istio'],
        tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: SDS_CONFIG }],
        combined_validation_context: {
          default_validation_context: { match_subject_alt_names: [{ exact: sa }] },
          validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: SDS_CONFIG },
        },
      },
      sni,
    },
  };
}

const DOWNSTREAM_TLS = {
  name: 'envoy.transport_sockets.tls',
  typed_config: {
    '@type': `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
    common_tls_context: {
      tls_params: TLS_PARAMS,
      alpn_protocols: ['h2', 'http/1.1'],
      tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: SDS_CONFIG }],
      combined_validation_context: {
        default_validation_context: { match_subject_alt_names: [{ prefix: 'spiffe://cluster.local/' }] },
        validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: SDS_CONFIG },
      },
    },
    require_client_certificate: true,
  },
};

const HTTP2_PROTOCOL_OPTIONS = protoMap({
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
    explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 1073741824 } },
  },
});

const USE_DOWNSTREAM_PROTOCOL = protoMap({
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
    use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} },
  },
});

// ---------------------------------------------------------------------------------------------------------------
// The generator.

class Gen {
  readonly rng: Rng;
  readonly services: Service[];
  readonly own: Service;
  readonly clusterNames = new Set<string>();
  readonly stats: DumpStats;
  private readonly t0: number;
  private clock = 0;
  private readonly versions: string[];
  private refIndex = 0;
  private readonly rate: number;

  constructor(readonly o: GenerateOptions) {
    this.rng = new Rng(o.seed);
    this.services = buildServices(o, this.rng);
    this.own = this.services[0];
    // A fixed day, shifted by the seed, so every run of one seed prints the same timestamps.
    this.t0 = Date.UTC(2024, 4, 1, 8, 0, 0) + ((o.seed >>> 0) % 86400) * 1000;
    this.versions = [0, 1, 2, 3].map((i) => `${new Date(this.t0 - (4 - i) * 600_000).toISOString().slice(0, 19)}Z/${11 + i * 3}`);
    const r = o.danglingRate ?? 0;
    this.rate = Number.isFinite(r) ? Math.min(1, Math.max(0, r)) : 0;
    this.stats = {
      bytes: 0, services: o.services, clusters: 0, edsClusters: 0, listeners: 0, routeConfigs: 0, virtualHosts: 0,
      routeClusterRefs: 0, danglingRefs: 0, endpointConfigs: 0,
    };
  }

  lastUpdated(): string {
    this.clock += 1 + this.rng.int(40);
    return new Date(this.t0 + this.clock).toISOString();
  }

  version(): string {
    return this.versions[this.rng.int(this.versions.length)];
  }

  /**
   * A cluster reference from a route configuration. Reference i is dangling when floor((i+1)·rate) > floor(i·rate),
   * so exactly floor(n·rate) of n references dangle, spread evenly, without knowing n in advance.
   */
  routeRef(name: string, port: number, ns: string): string {
    const i = this.refIndex++;
    this.stats.routeClusterRefs++;
    if (this.rate > 0 && Math.floor((i + 1) * this.rate) > Math.floor(i * this.rate)) {
      const k = this.stats.danglingRefs++;
      // A service that was deleted from the mesh: no cluster of this name is ever generated.
      return `outbound|${port}||svc-${this.services.length + k}.${ns}.${FQDN_SUFFIX}`;
    }
    return name;
  }

  // ----- bootstrap

  bootstrap(): unknown {
    const own = this.own;
    const podName = `${own.name}-v1-${this.hex(10)}-${this.hex(5)}`;
    const ip = this.podIp(0, 0);
    const extensions = [
      ['envoy.transport_sockets.alts', 'envoy.transport_sockets.upstream'],
      ['envoy.transport_sockets.raw_buffer', 'envoy.transport_sockets.upstream'],
      ['envoy.transport_sockets.tls', 'envoy.transport_sockets.upstream'],
      ['envoy.bootstrap.wasm', 'envoy.bootstrap'],
      ['envoy.filters.http.router', 'envoy.filters.http'],
      ['envoy.filters.http.cors', 'envoy.filters.http'],
      ['envoy.filters.http.fault', 'envoy.filters.http'],
      ['envoy.filters.http.wasm', 'envoy.filters.http'],
      ['envoy.filters.network.http_connection_manager', 'envoy.filters.network'],
      ['envoy.filters.network.tcp_proxy', 'envoy.filters.network'],
      ['envoy.filters.listener.tls_inspector', 'envoy.filters.listener'],
      ['envoy.filters.listener.http_inspector', 'envoy.filters.listener'],
      ['envoy.filters.listener.original_dst', 'envoy.filters.listener'],
      ['envoy.access_loggers.file', 'envoy.access_loggers'],
      ['envoy.tracers.zipkin', 'envoy.tracers'],
      ['envoy.stat_sinks.statsd', 'envoy.stats_sinks'],
      ['envoy.extensions.upstreams.http.v3.HttpProtocolOptions', 'envoy.upstream_options'],
    ].map(([name, category]) => ({ name, category }));
    return {
      '@type': `${T}envoy.admin.v3.BootstrapConfigDump`,
      bootstrap: {
        node: {
          id: `sidecar~${ip}~${podName}.${own.ns}~${own.ns}.${FQDN_SUFFIX}`,
          cluster: `${own.name}.${own.ns}`,
          metadata: struct({
            ANNOTATIONS: {
              'kubectl.kubernetes.io/default-container': own.name,
              'kubernetes.io/config.source': 'api',
              'prometheus.io/path': '/stats/prometheus',
              'prometheus.io/port': '15020',
              'prometheus.io/scrape': 'true',
              'sidecar.istio.io/status': '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}',
            },
            APP_CONTAINERS: own.name,
            CLUSTER_ID: 'Kubernetes',
            INSTANCE_IPS: ip,
            INTERCEPTION_MODE: 'REDIRECT',
            ISTIO_PROXY_SHA: 'istio-proxy:8787f0f63f7ba9b7f974ef80dff3259963a61809',
            ISTIO_VERSION: '1.20.3',
            LABELS: {
              app: own.name,
              'pod-template-hash': podName.split('-').slice(-2, -1)[0],
              'security.istio.io/tlsMode': 'istio',
              'service.istio.io/canonical-name': own.name,
              'service.istio.io/canonical-revision': 'v1',
              version: 'v1',
            },
            MESH_ID: 'cluster.local',
            NAME: podName,
            NAMESPACE: own.ns,
            OWNER: `kubernetes://apis/apps/v1/namespaces/${own.ns}/deployments/${own.name}-v1`,
            PILOT_SAN: ['istiod.istio-system.svc'],
            POD_PORTS: JSON.stringify(own.ports.map((p) => ({ containerPort: p.port, protocol: 'TCP' }))),
            PROXY_CONFIG: {
              binaryPath: '/usr/local/bin/envoy',
              concurrency: 2,
              configPath: './etc/istio/proxy',
              controlPlaneAuthPolicy: 'MUTUAL_TLS',
              discoveryAddress: 'istiod.istio-system.svc:15012',
              drainDuration: '45s',
              proxyAdminPort: 15000,
              serviceCluster: 'istio-proxy',
              statNameLength: 189,
              statusPort: 15020,
              terminationDrainDuration: '5s',
              tracing: { zipkin: { address: 'zipkin.istio-system:9411' } },
            },
            SERVICE_ACCOUNT: own.name,
            WORKLOAD_NAME: `${own.name}-v1`,
          }),
          locality: {},
          user_agent_name: 'envoy',
          user_agent_build_version: {
            version: { major_number: 1, minor_number: 28, patch: 1 },
            metadata: struct({
              'build.type': 'RELEASE', 'revision.sha': '8787f0f63f7ba9b7f974ef80dff3259963a61809',
              'revision.status': 'Clean', 'ssl.version': 'BoringSSL',
            }),
          },
          extensions,
        },
        static_resources: {
          listeners: this.staticListenerBodies(),
          clusters: this.staticClusterBodies(),
        },
        dynamic_resources: {
          lds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
          cds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
          ads_config: {
            api_type: 'GRPC',
            grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
            set_node_on_first_message_only: true,
            transport_api_version: 'V3',
          },
        },
        tracing: {
          http: {
            name: 'envoy.tracers.zipkin',
            typed_config: {
              '@type': `${T}envoy.config.trace.v3.ZipkinConfig`,
              collector_cluster: 'zipkin',
              collector_endpoint: '/api/v2/spans',
              trace_id_128bit: true,
              shared_span_context: false,
              collector_endpoint_version: 'HTTP_JSON',
            },
          },
        },
        admin: {
          profile_path: '/var/lib/istio/data/envoy.prof',
          address: { socket_address: { address: '127.0.0.1', port_value: 15000 } },
          access_log: [{
            name: 'envoy.access_loggers.file',
            typed_config: { '@type': `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`, path: '/dev/null' },
          }],
        },
        stats_config: {
          stats_tags: [
            ['cluster_name', '^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)'],
            ['tcp_prefix', '^tcp\\.((.*?)\\.)\\w+?$'],
            ['response_code', '(response_code=\\.=(.+?);\\.;)|_rq(_(\\.d{3}))$'],
            ['response_code_class', '_rq(_(\\dxx))$'],
            ['http_conn_manager_prefix', '^http\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)'],
            ['listener_address', '^listener\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)'],
            ['reporter', '(reporter=\\.=(.*?);\\.;)'],
            ['source_namespace', '(source_namespace=\\.=(.*?);\\.;)'],
            ['destination_service', '(destination_service=\\.=(.*?);\\.;)'],
          ].map(([tag_name, regex]) => ({ tag_name, regex })),
          use_all_default_tags: false,
          stats_matcher: { inclusion_list: { patterns: [{ prefix: 'reporter=' }, { prefix: 'cluster_manager' },
            { prefix: 'listener_manager' }, { prefix: 'server' }, { prefix: 'cluster.xds-grpc' }, { prefix: 'wasm' },
            { suffix: 'rbac.allowed' }, { suffix: 'rbac.denied' }, { prefix: 'component' }] } },
        },
        layered_runtime: {
          layers: [
            { name: 'global config', static_layer: struct({
              'envoy.deprecated_features:envoy.config.listener.v3.Listener.hidden_envoy_deprecated_use_original_dst': 'true',
              'envoy.reloadable_features.http_reject_path_with_fragment': 'false',
              'overload.global_downstream_max_connections': '2147483647',
              're2.max_program_size.error_level': '32768',
            }) },
            { name: 'admin', admin_layer: {} },
          ],
        },
      },
      last_updated: this.lastUpdated(),
    };
  }

  // ----- clusters

  private staticClusterBodies(): unknown[] {
    const c = (name: string, extra: Record<string, unknown>, address: unknown): unknown => ({
      '@type': `${T}envoy.config.cluster.v3.Cluster`,
      name,
      type: extra.type ?? 'STATIC',
      connect_timeout: extra.connect_timeout ?? '0.250s',
      ...extra,
      load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
    });
    const sock = (address: string, port: number) => ({ socket_address: { address, port_value: port } });
    return [
      c('prometheus_stats', {}, sock('127.0.0.1', 15000)),
      c('agent', {}, sock('127.0.0.1', 15020)),
      c('sds-grpc', { connect_timeout: '1s', typed_extension_protocol_options: HTTP2_PROTOCOL_OPTIONS },
        { pipe: { path: './var/run/secrets/workload-spiffe-uds/socket' } }),
      c('xds-grpc', {
        connect_timeout: '1s',
        max_requests_per_connection: 1,
        circuit_breakers: { thresholds: [
          { max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 },
          { priority: 'HIGH', max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 },
        ] },
        upstream_connection_options: { tcp_keepalive: { keepalive_time: 300 } },
        typed_extension_protocol_options: HTTP2_PROTOCOL_OPTIONS,
      }, { pipe: { path: './etc/istio/proxy/XDS' } }),
      c('zipkin', { type: 'STRICT_DNS', connect_timeout: '1s', dns_refresh_rate: '30s', respect_dns_ttl: true,
        dns_lookup_family: 'V4_ONLY' }, sock('zipkin.istio-system', 9411)),
    ];
  }

  private *staticClusters(): Iterable<unknown> {
    for (const cluster of this.staticClusterBodies()) {
      this.clusterNames.add((cluster as { name: string }).name);
      this.stats.clusters++;
      yield { cluster, last_updated: this.lastUpdated() };
    }
  }

  private dynamicCluster(cluster: { name: string }): unknown {
    this.clusterNames.add(cluster.name);
    this.stats.clusters++;
    return { version_info: this.version(), cluster, last_updated: this.lastUpdated() };
  }

  private *dynamicClusters(): Iterable<unknown> {
    const C = `${T}envoy.config.cluster.v3.Cluster`;
    yield this.dynamicCluster({
      '@type': C, name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: '10s',
    } as { name: string });
    yield this.dynamicCluster({
      '@type': C, name: 'InboundPassthroughClusterIpv4', type: 'ORIGINAL_DST', connect_timeout: '10s',
      lb_policy: 'CLUSTER_PROVIDED', circuit_breakers: CIRCUIT_BREAKERS_MAX,
      upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } },
      typed_extension_protocol_options: USE_DOWNSTREAM_PROTOCOL,
      filters: [METADATA_EXCHANGE_NETWORK],
    } as { name: string });
    yield this.dynamicCluster({
      '@type': C, name: 'PassthroughCluster', type: 'ORIGINAL_DST', connect_timeout: '10s',
      lb_policy: 'CLUSTER_PROVIDED', circuit_breakers: CIRCUIT_BREAKERS_MAX,
      typed_extension_protocol_options: USE_DOWNSTREAM_PROTOCOL,
      filters: [METADATA_EXCHANGE_NETWORK],
    } as { name: string });
    const own = this.own;
    for (const p of own.ports) {
      const name = `inbound|${p.port}||`;
      yield this.dynamicCluster({
        '@type': C, name, type: 'ORIGINAL_DST', connect_timeout: '10s', lb_policy: 'CLUSTER_PROVIDED',
        circuit_breakers: CIRCUIT_BREAKERS_MAX,
        cleanup_interval: '60s',
        upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } },
        metadata: { filter_metadata: protoMap({ istio: struct({
          services: [{ host: own.fqdn, name: own.name, namespace: own.ns }],
        }) }) },
        ...(p.protocol === 'grpc' ? { typed_extension_protocol_options: HTTP2_PROTOCOL_OPTIONS } : {}),
      } as { name: string });
    }
    for (const s of this.services) {
      for (const p of s.ports) {
        for (const subset of ['', ...s.subsets]) {
          yield this.dynamicCluster(this.outboundCluster(s, p, subset));
        }
      }
    }
  }

  private outboundCluster(s: Service, p: PortSpec, subset: string): { name: string } {
    const name = `outbound|${p.port}|${subset}|${s.fqdn}`;
    this.stats.edsClusters++;
    const lb = this.rng.chance(0.2) ? { lb_policy: 'ROUND_ROBIN' } : { lb_policy: 'LEAST_REQUEST' };
    return {
      '@type': `${T}envoy.config.cluster.v3.Cluster`,
      name,
      type: 'EDS',
      eds_cluster_config: { eds_config: ADS, service_name: name },
      connect_timeout: '10s',
      ...lb,
      circuit_breakers: CIRCUIT_BREAKERS_MAX,
      common_lb_config: { locality_weighted_lb_config: {} },
      metadata: { filter_metadata: protoMap({ istio: struct({
        ...(subset ? { config: `/apis/networking.istio.io/v1alpha3/namespaces/${s.ns}/destination-rule/${s.name}`, subset } : {}),
        default_original_port: p.port,
        services: [{ host: s.fqdn, name: s.name, namespace: s.ns }],
      }) }) },
      filters: [METADATA_EXCHANGE_NETWORK],
      ...(p.protocol === 'grpc' ? { typed_extension_protocol_options: HTTP2_PROTOCOL_OPTIONS } : {}),
      transport_socket_matches: [
        {
          name: 'tlsMode-istio',
          match: struct({ tlsMode: 'istio' }),
          transport_socket: upstreamTls(`spiffe://cluster.local/ns/${s.ns}/sa/${s.name}`,
            `outbound_.${p.port}_.${subset}_.${s.fqdn}`),
        },
        { name: 'tlsMode-disabled', match: struct({}), transport_socket: { name: 'envoy.transport_sockets.raw_buffer',
          typed_config: { '@type': `${T}envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer` } } },
      ],
    } as { name: string };
  }

  // ----- listeners

  private staticListenerBodies(): unknown[] {
    const l = (port: number, statPrefix: string, prefix: string, cluster: string): unknown => ({
      '@type': `${T}envoy.config.listener.v3.Listener`,
      address: { socket_address: { address: '0.0.0.0', port_value: port } },
      filter_chains: [{
        filters: [{
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
            stat_prefix: statPrefix,
            route_config: { virtual_hosts: [{ name: 'backend', domains: ['*'], routes: [{ match: { prefix }, route: { cluster } }] }] },
            http_filters: [ROUTER],
          },
        }],
      }],
    });
    return [l(15090, 'stats', '/stats/prometheus', 'prometheus_stats'), l(15021, 'agent', '/healthz/ready', 'agent')];
  }

  private *staticListeners(): Iterable<unknown> {
    for (const listener of this.staticListenerBodies()) {
      this.stats.listeners++;
      yield { listener, last_updated: this.lastUpdated() };
    }
  }

  private dynamicListener(name: string, listener: Record<string, unknown>): unknown {
    this.stats.listeners++;
    return {
      name,
      active_state: {
        version_info: this.version(),
        listener: { '@type': `${T}envoy.config.listener.v3.Listener`, name, ...listener },
        last_updated: this.lastUpdated(),
      },
    };
  }

  private tcpProxy(statPrefix: string, target: { cluster: string } | { weighted_clusters: unknown }, withLog: boolean): unknown {
    return {
      name: 'envoy.filters.network.tcp_proxy',
      typed_config: {
        '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
        stat_prefix: statPrefix,
        ...target,
        ...(withLog ? { access_log: [accessLog(false)] } : {}),
      },
    };
  }

  private passthroughChain(): unknown {
    return {
      filter_chain_match: {},
      filters: [TCP_STATS_OUTBOUND, this.tcpProxy('PassthroughCluster', { cluster: 'PassthroughCluster' }, true)],
      name: 'PassthroughFilterChain',
    };
  }

  private outboundListenerCommon(): Record<string, unknown> {
    return {
      listener_filters: [
        { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` } },
        { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': `${T}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector` } },
      ],
      listener_filters_timeout: '0s',
      traffic_direction: 'OUTBOUND',
      continue_on_listener_filters_timeout: true,
      access_log: [accessLog(true)],
      bind_to_port: false,
    };
  }

  private *dynamicListeners(): Iterable<unknown> {
    // TCP services: one listener per VIP and port, tcp_proxy straight to the cluster (weighted over subsets sometimes).
    for (const s of this.services) {
      for (const p of s.ports) {
        if (p.protocol !== 'tcp') continue;
        const name = `${s.vip}_${p.port}`;
        const cluster = `outbound|${p.port}||${s.fqdn}`;
        const target = s.subsets.length > 0 && this.rng.chance(0.5)
          ? { weighted_clusters: { clusters: s.subsets.map((sub, i) => ({ name: `outbound|${p.port}|${sub}|${s.fqdn}`, weight: i === 0 ? 80 : 20 })) } }
          : { cluster };
        yield this.dynamicListener(name, {
          address: { socket_address: { address: s.vip, port_value: p.port } },
          filter_chains: [{ filters: [TCP_STATS_OUTBOUND, this.tcpProxy(cluster, target, true)] }],
          default_filter_chain: this.passthroughChain(),
          ...this.outboundListenerCommon(),
        });
      }
    }
    // HTTP ports: one 0.0.0.0_PORT listener per port, HCM with RDS named after the port.
    for (const port of this.httpPorts()) {
      const name = `0.0.0.0_${port}`;
      yield this.dynamicListener(name, {
        address: { socket_address: { address: '0.0.0.0', port_value: port } },
        filter_chains: [{
          filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] },
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
              stat_prefix: `outbound_0.0.0.0_${port}`,
              rds: { config_source: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, route_config_name: `${port}` },
              http_filters: HTTP_FILTERS_OUTBOUND,
              tracing: TRACING,
              access_log: [accessLog(false)],
              use_remote_address: false,
              upgrade_configs: [{ upgrade_type: 'websocket' }],
              stream_idle_timeout: '0s',
              normalize_path: true,
              request_id_extension: { typed_config: { '@type': `${T}envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig`, use_request_id_for_trace_sampling: true } },
              path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
            },
          }],
        }],
        default_filter_chain: this.passthroughChain(),
        ...this.outboundListenerCommon(),
      });
    }
    yield this.dynamicListener('virtualOutbound', {
      address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
      filter_chains: [
        {
          filter_chain_match: { destination_port: 15001 },
          filters: [TCP_STATS_OUTBOUND, this.tcpProxy('BlackHoleCluster', { cluster: 'BlackHoleCluster' }, false)],
          name: 'virtualOutbound-blackhole',
        },
        {
          filters: [TCP_STATS_OUTBOUND, this.tcpProxy('PassthroughCluster', { cluster: 'PassthroughCluster' }, true)],
          name: 'virtualOutbound-catchall-tcp',
        },
      ],
      use_original_dst: true,
      traffic_direction: 'OUTBOUND',
      access_log: [accessLog(true)],
    });
    yield this.dynamicListener('virtualInbound', {
      address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
      filter_chains: this.virtualInboundChains(),
      listener_filters: [
        { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': `${T}envoy.extensions.filters.listener.original_dst.v3.OriginalDst` } },
        { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` } },
        { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': `${T}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector` } },
      ],
      listener_filters_timeout: '0s',
      traffic_direction: 'INBOUND',
      continue_on_listener_filters_timeout: true,
      access_log: [accessLog(true)],
    });
  }

  private inboundHcm(routeConfig: unknown, statPrefix: string): unknown {
    return {
      name: 'envoy.filters.network.http_connection_manager',
      typed_config: {
        '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
        stat_prefix: statPrefix,
        route_config: routeConfig,
        http_filters: HTTP_FILTERS_INBOUND,
        tracing: TRACING,
        server_name: 'istio-envoy',
        access_log: [accessLog(false)],
        use_remote_address: false,
        forward_client_cert_details: 'APPEND_FORWARD',
        set_current_client_cert_details: { subject: true, dns: true, uri: true },
        upgrade_configs: [{ upgrade_type: 'websocket' }],
        stream_idle_timeout: '0s',
        normalize_path: true,
      },
    };
  }

  private inboundRouteConfig(name: string, vhName: string, cluster: string, operation: string): Record<string, unknown> {
    return {
      name,
      virtual_hosts: [{
        name: vhName,
        domains: ['*'],
        routes: [{
          match: { prefix: '/' },
          route: { cluster, timeout: '0s', max_stream_duration: { max_stream_duration: '0s', grpc_timeout_header_max: '0s' } },
          decorator: { operation },
          name: 'default',
        }],
      }],
      validate_clusters: false,
    };
  }

  private virtualInboundChains(): unknown[] {
    const anyPrefix = [{ address_prefix: '0.0.0.0', prefix_len: 0 }];
    const passRoute = this.inboundRouteConfig('InboundPassthroughClusterIpv4', 'inbound|http|0', 'InboundPassthroughClusterIpv4', ':0/*');
    const chains: unknown[] = [
      {
        filter_chain_match: { destination_port: 15006 },
        filters: [TCP_STATS_INBOUND, this.tcpProxy('BlackHoleCluster', { cluster: 'BlackHoleCluster' }, false)],
        name: 'virtualInbound-blackhole',
      },
      {
        filter_chain_match: { prefix_ranges: anyPrefix, transport_protocol: 'tls', application_protocols: ['istio-peer-exchange', 'istio'] },
        filters: [METADATA_EXCHANGE_NETWORK, TCP_STATS_INBOUND,
          this.tcpProxy('InboundPassthroughClusterIpv4', { cluster: 'InboundPassthroughClusterIpv4' }, true)],
        transport_socket: DOWNSTREAM_TLS,
        name: 'virtualInbound',
      },
      {
        filter_chain_match: { prefix_ranges: anyPrefix, transport_protocol: 'raw_buffer' },
        filters: [METADATA_EXCHANGE_NETWORK, TCP_STATS_INBOUND,
          this.tcpProxy('InboundPassthroughClusterIpv4', { cluster: 'InboundPassthroughClusterIpv4' }, true)],
        name: 'virtualInbound',
      },
      {
        filter_chain_match: { prefix_ranges: anyPrefix, transport_protocol: 'tls',
          application_protocols: ['istio', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2'] },
        filters: [METADATA_EXCHANGE_NETWORK, this.inboundHcm(passRoute, 'inbound_0.0.0.0_0')],
        transport_socket: DOWNSTREAM_TLS,
        name: 'virtualInbound-catchall-http',
      },
      {
        filter_chain_match: { prefix_ranges: anyPrefix, transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] },
        filters: [METADATA_EXCHANGE_NETWORK, this.inboundHcm(passRoute, 'inbound_0.0.0.0_0')],
        name: 'virtualInbound-catchall-http',
      },
    ];
    const own = this.own;
    for (const p of own.ports) {
      const cluster = `inbound|${p.port}||`;
      const filters = p.protocol === 'tcp'
        ? [METADATA_EXCHANGE_NETWORK, TCP_STATS_INBOUND, this.tcpProxy(cluster, { cluster }, true)]
        : [METADATA_EXCHANGE_NETWORK, this.inboundHcm(
          this.inboundRouteConfig(cluster, `inbound|http|${p.port}`, cluster, `${own.fqdn}:${p.port}/*`),
          `inbound_0.0.0.0_${p.port}`)];
      chains.push(
        {
          filter_chain_match: { destination_port: p.port, transport_protocol: 'tls',
            application_protocols: p.protocol === 'tcp' ? ['istio-peer-exchange', 'istio'] : ['istio', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2'] },
          filters,
          transport_socket: DOWNSTREAM_TLS,
          name: `0.0.0.0_${p.port}`,
        },
        {
          filter_chain_match: { destination_port: p.port, transport_protocol: 'raw_buffer' },
          filters,
          name: `0.0.0.0_${p.port}`,
        },
      );
    }
    return chains;
  }

  // ----- routes

  private httpPortsCache: number[] | undefined;
  httpPorts(): number[] {
    if (!this.httpPortsCache) {
      const set = new Set<number>();
      for (const s of this.services) for (const p of s.ports) if (p.protocol !== 'tcp') set.add(p.port);
      this.httpPortsCache = [...set].sort((a, b) => a - b);
    }
    return this.httpPortsCache;
  }

  private *staticRouteConfigs(): Iterable<unknown> {
    // Envoy lists inline (HCM route_config) route configurations here.
    const bodies: Array<Record<string, unknown>> = [
      { virtual_hosts: [{ name: 'backend', domains: ['*'], routes: [{ match: { prefix: '/stats/prometheus' }, route: { cluster: 'prometheus_stats' } }] }] },
      { virtual_hosts: [{ name: 'backend', domains: ['*'], routes: [{ match: { prefix: '/healthz/ready' }, route: { cluster: 'agent' } }] }] },
      this.inboundRouteConfig('InboundPassthroughClusterIpv4', 'inbound|http|0', 'InboundPassthroughClusterIpv4', ':0/*'),
    ];
    for (const p of this.own.ports) {
      if (p.protocol === 'tcp') continue;
      const c = `inbound|${p.port}||`;
      bodies.push(this.inboundRouteConfig(c, `inbound|http|${p.port}`, c, `${this.own.fqdn}:${p.port}/*`));
    }
    for (const b of bodies) {
      yield { route_config: { '@type': `${T}envoy.config.route.v3.RouteConfiguration`, ...b }, last_updated: this.lastUpdated() };
    }
  }

  private *dynamicRouteConfigs(): Iterable<unknown> {
    const byPort = new Map<number, Service[]>();
    for (const s of this.services) {
      for (const p of s.ports) {
        if (p.protocol === 'tcp') continue;
        let l = byPort.get(p.port);
        if (!l) byPort.set(p.port, (l = []));
        l.push(s);
      }
    }
    for (const port of this.httpPorts()) {
      this.stats.routeConfigs++;
      const services = byPort.get(port) ?? [];
      yield skel({
        version_info: this.version(),
        route_config: skel({
          '@type': `${T}envoy.config.route.v3.RouteConfiguration`,
          name: `${port}`,
          virtual_hosts: new Lazy(() => this.virtualHosts(port, services)),
          validate_clusters: false,
          max_direct_response_body_size_bytes: 1048576,
        }),
        last_updated: this.lastUpdated(),
      });
    }
  }

  private *virtualHosts(port: number, services: Service[]): Iterable<unknown> {
    for (let si = 0; si < services.length; si++) {
      const s = services[si];
      this.stats.virtualHosts++;
      const short = s.name;
      const nsq = `${s.name}.${s.ns}`;
      const domains = [s.fqdn, `${s.fqdn}:${port}`, short, `${short}:${port}`, `${nsq}.svc.cluster`, `${nsq}.svc.cluster:${port}`,
        `${nsq}.svc`, `${nsq}.svc:${port}`, nsq, `${nsq}:${port}`, s.vip, `${s.vip}:${port}`];
      const main = `outbound|${port}||${s.fqdn}`;
      const routes: unknown[] = [];
      const decorator = { operation: `${s.fqdn}:${port}/*` };
      for (let k = 0; k < s.extraRoutes; k++) {
        const target = s.subsets.length > 0 ? `outbound|${port}|${s.subsets[k % s.subsets.length]}|${s.fqdn}` : main;
        routes.push({
          match: { prefix: `/api/v${k + 1}/`, case_sensitive: true },
          route: { cluster: this.routeRef(target, port, s.ns), timeout: '15s', retry_policy: RETRY_POLICY,
            max_stream_duration: { max_stream_duration: '0s', grpc_timeout_header_max: '0s' } },
          metadata: { filter_metadata: protoMap({ istio: struct({ config: `/apis/networking.istio.io/v1alpha3/namespaces/${s.ns}/virtual-service/${s.name}` }) }) },
          decorator: { operation: `${s.fqdn}:${port}/api/v${k + 1}/*` },
        });
      }
      const route: Record<string, unknown> = {};
      if (s.subsets.length > 0) {
        route.weighted_clusters = {
          clusters: s.subsets.map((sub, i) => ({ name: this.routeRef(`outbound|${port}|${sub}|${s.fqdn}`, port, s.ns), weight: i === 0 ? 90 : 10 })),
        };
      } else {
        route.cluster = this.routeRef(main, port, s.ns);
      }
      route.timeout = '0s';
      route.retry_policy = RETRY_POLICY;
      if (s.mirror) {
        // Mirror to the next service that listens on the same port (or to itself).
        const other = services[(si + 1) % services.length];
        route.request_mirror_policies = [{
          cluster: this.routeRef(`outbound|${port}||${other.fqdn}`, port, other.ns),
          runtime_fraction: { default_value: { numerator: 10 } },
          trace_sampled: false,
        }];
      }
      route.max_stream_duration = { max_stream_duration: '0s', grpc_timeout_header_max: '0s' };
      routes.push({
        match: { prefix: '/' },
        route,
        ...(s.extraRoutes > 0 || s.subsets.length > 0
          ? { metadata: { filter_metadata: protoMap({ istio: struct({ config: `/apis/networking.istio.io/v1alpha3/namespaces/${s.ns}/virtual-service/${s.name}` }) }) } }
          : {}),
        decorator,
        name: 'default',
      });
      yield { name: `${s.fqdn}:${port}`, domains, routes, include_request_attempt_count: true };
    }
    this.stats.virtualHosts++;
    yield {
      name: 'allow_any',
      domains: ['*'],
      routes: [{ match: { prefix: '/' }, route: { cluster: this.routeRef('PassthroughCluster', port, 'ns-0'), timeout: '0s',
        max_stream_duration: { max_stream_duration: '0s', grpc_timeout_header_max: '0s' } }, name: 'allow_any' }],
      include_request_attempt_count: true,
    };
  }

  // ----- secrets

  private *secrets(): Iterable<unknown> {
    const S = `${T}envoy.extensions.transport_sockets.tls.v3.Secret`;
    yield {
      name: 'default', version_info: this.lastUpdated(), last_updated: this.lastUpdated(),
      secret: { '@type': S, name: 'default', tls_certificate: {
        certificate_chain: { inline_bytes: this.base64(3076) },
        private_key: { inline_bytes: 'W3JlZGFjdGVkXQ==' },
      } },
    };
    yield {
      name: 'ROOTCA', version_info: this.lastUpdated(), last_updated: this.lastUpdated(),
      secret: { '@type': S, name: 'ROOTCA', validation_context: { trusted_ca: { inline_bytes: this.base64(1468) } } },
    };
  }

  // ----- endpoints

  private *staticEndpointConfigs(): Iterable<unknown> {
    for (const c of this.staticClusterBodies()) {
      const cl = c as { load_assignment: { cluster_name: string; endpoints: unknown[] } };
      yield { endpoint_config: { '@type': `${T}envoy.config.endpoint.v3.ClusterLoadAssignment`, ...cl.load_assignment,
        policy: { overprovisioning_factor: 140 } }, last_updated: this.lastUpdated() };
    }
  }

  private *dynamicEndpointConfigs(): Iterable<unknown> {
    for (const s of this.services) {
      for (const p of s.ports) {
        for (const subset of ['', ...s.subsets]) {
          this.stats.endpointConfigs++;
          const name = `outbound|${p.port}|${subset}|${s.fqdn}`;
          const lbEndpoints: unknown[] = [];
          for (let k = 0; k < s.pods; k++) {
            const version = s.subsets.length > 0 ? s.subsets[k % s.subsets.length] : 'v1';
            if (subset && version !== subset) continue;
            lbEndpoints.push({
              endpoint: {
                address: { socket_address: { address: this.podIp(s.index, k), port_value: p.port } },
                health_check_config: {},
              },
              health_status: this.rng.chance(0.03) ? 'UNHEALTHY' : 'HEALTHY',
              metadata: { filter_metadata: protoMap({
                'envoy.transport_socket_match': struct({ tlsMode: 'istio' }),
                istio: struct({ workload: `${s.name}-${version};${s.ns};${s.name};${version};Kubernetes` }),
              }) },
              load_balancing_weight: 1,
            });
          }
          yield {
            version_info: this.version(),
            endpoint_config: {
              '@type': `${T}envoy.config.endpoint.v3.ClusterLoadAssignment`,
              cluster_name: name,
              endpoints: [{
                locality: { region: 'us-central1', zone: `us-central1-${'abc'[s.index % 3]}` },
                lb_endpoints: lbEndpoints,
                load_balancing_weight: Math.max(1, lbEndpoints.length),
              }],
              policy: { overprovisioning_factor: 140 },
            },
            last_updated: this.lastUpdated(),
          };
        }
      }
    }
  }

  // ----- helpers

  podIp(service: number, pod: number): string {
    const n = service * 4 + pod + 2;
    return `10.${244 + ((n >> 16) & 7)}.${(n >> 8) & 255}.${n & 255}`;
  }

  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += 'bcdfghjklmnpqrstvwxz2456789'[this.rng.int(27)];
    return s;
  }

  base64(n: number): string {
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let s = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSU';
    while (s.length < n - 2) s += A[this.rng.int(64)];
    return s + '==';
  }

  // ----- the whole dump

  root(): unknown {
    const configs: unknown[] = [
      this.bootstrap(),
      skel({
        '@type': `${T}envoy.admin.v3.ClustersConfigDump`,
        version_info: this.versions[this.versions.length - 1],
        static_clusters: new Lazy(() => this.staticClusters()),
        dynamic_active_clusters: new Lazy(() => this.dynamicClusters()),
      }),
      skel({
        '@type': `${T}envoy.admin.v3.ListenersConfigDump`,
        version_info: this.versions[this.versions.length - 1],
        static_listeners: new Lazy(() => this.staticListeners()),
        dynamic_listeners: new Lazy(() => this.dynamicListeners()),
      }),
      { '@type': `${T}envoy.admin.v3.ScopedRoutesConfigDump` },
      skel({
        '@type': `${T}envoy.admin.v3.RoutesConfigDump`,
        static_route_configs: new Lazy(() => this.staticRouteConfigs()),
        dynamic_route_configs: new Lazy(() => this.dynamicRouteConfigs()),
      }),
      skel({
        '@type': `${T}envoy.admin.v3.SecretsConfigDump`,
        dynamic_active_secrets: new Lazy(() => this.secrets()),
      }),
    ];
    if (this.o.includeEds) {
      configs.push(skel({
        '@type': `${T}envoy.admin.v3.EndpointsConfigDump`,
        static_endpoint_configs: new Lazy(() => this.staticEndpointConfigs()),
        dynamic_endpoint_configs: new Lazy(() => this.dynamicEndpointConfigs()),
      }));
    }
    return skel({ configs: new Lazy(() => configs) });
  }
}

function normalize(o: GenerateOptions): GenerateOptions {
  const services = Math.max(1, Math.floor(Number.isFinite(o.services) ? o.services : 1));
  return { ...o, services };
}

/** The dump text and what it contains. */
export function generateDumpWithStats(options: GenerateOptions): { text: string; stats: DumpStats } {
  const o = normalize(options);
  const gen = new Gen(o);
  const w = new Writer(o.casing === 'camel');
  w.value(gen.root(), 0);
  w.out.push('\n');
  const text = w.out.join('');
  gen.stats.bytes = text.length;
  return { text, stats: gen.stats };
}

/** A pretty-printed (2-space) Istio sidecar `/config_dump` as JSON text. Same options, same text. */
export function generateDump(options: GenerateOptions): string {
  return generateDumpWithStats(options).text;
}

export type SizeOptions = Partial<Omit<GenerateOptions, 'services'>>;

export const DEFAULT_SIZE_OPTIONS: Required<Omit<GenerateOptions, 'services'>> = {
  portsPerService: 2, casing: 'snake', includeEds: true, danglingRate: 0, seed: 42,
};

const calibration = new Map<string, { fixed: number; perService: number }>();

/** Fits size = fixed + perService · services from dumps of `a` and `b` services. */
function fit(o: Required<Omit<GenerateOptions, 'services'>>, a: number, b: number): { fixed: number; perService: number } {
  const key = `${JSON.stringify(o)}|${a}|${b}`;
  let cal = calibration.get(key);
  if (!cal) {
    const sa = generateDumpWithStats({ ...o, services: a }).stats.bytes;
    const sb = generateDumpWithStats({ ...o, services: b }).stats.bytes;
    const perService = (sb - sa) / (b - a);
    cal = { fixed: sa - perService * a, perService };
    calibration.set(key, cal);
  }
  return cal;
}

/**
 * How many services make a dump of about `targetBytes` (e.g. 1e6, 10e6, 50e6, 150e6) with these options
 * (defaults: DEFAULT_SIZE_OPTIONS). Calibrated by generating small dumps and fitting size = fixed + k·services:
 * the dump is linear in services apart from the bootstrap and the per-port listeners. Services draw their ports and
 * shapes from one seeded sequence, so a dump of b services starts with the a services of a smaller one, and the
 * difference is the cost of b − a typical services; for big targets a second fit over more services tightens k.
 */
export function sizeToServices(targetBytes: number, options: SizeOptions = {}): number {
  const o = { ...DEFAULT_SIZE_OPTIONS, ...options };
  const solve = (c: { fixed: number; perService: number }): number => Math.max(1, Math.round((targetBytes - c.fixed) / c.perService));
  const first = solve(fit(o, 50, 250));
  if (first <= 400) return first;
  return solve(fit(o, 50, Math.min(first, 1200)));
}

/** The same document as YAML in block style, as `yq -P` prints it (2-space indent, no line folding). */
export function toYaml(jsonText: string): string {
  return YAML.stringify(JSON.parse(jsonText), {
    indent: 2,
    indentSeq: true,
    lineWidth: 0,
    minContentWidth: 0,
    singleQuote: true,
    aliasDuplicateObjects: false,
  });
}

/** One edit plantDiff made, at an offset of the original text. */
export interface PlantedEdit {
  offset: number;
  what: 'weight' | 'health' | 'timeout' | 'rename';
}

/**
 * A second dump for `diff` (issue 13): the same text with every `last_updated` moved on (what a second fetch of the
 * same proxy looks like) and `perKind` edits of each kind spread over the file: a route's weights 90/10 → 70/30, an
 * endpoint HEALTHY → UNHEALTHY, a cluster's connect_timeout 10s → 5s, and a cluster renamed (one removed, one added).
 * Offsets are in the original text, so the caller can tell with the index which resource each edit is in.
 */
export function plantDiff(text: string, perKind = 5): { text: string; edits: PlantedEdit[] } {
  const pick = (re: RegExp): number[] => {
    const all: number[] = [];
    for (const m of text.matchAll(re)) all.push(m.index);
    if (all.length === 0) return [];
    const out: number[] = [];
    for (let k = 0; k < perKind && k < all.length; k++) out.push(all[Math.floor(((k + 0.5) * all.length) / perKind)]);
    return [...new Set(out)];
  };
  const edits: Array<PlantedEdit & { end: number; to: string }> = [];
  for (const o of pick(/"weight": 90\s*\}/g)) {
    const w10 = text.indexOf('"weight": 10', o);
    edits.push({ offset: o, end: o + '"weight": 90'.length, to: '"weight": 70', what: 'weight' });
    edits.push({ offset: w10, end: w10 + '"weight": 10'.length, to: '"weight": 30', what: 'weight' });
  }
  for (const o of pick(/"health_status": "HEALTHY"/g)) edits.push({ offset: o, end: o + '"health_status": "HEALTHY"'.length, to: '"health_status": "UNHEALTHY"', what: 'health' });
  for (const o of pick(/"connect_timeout": "10s"/g)) edits.push({ offset: o, end: o + '"connect_timeout": "10s"'.length, to: '"connect_timeout": "5s"', what: 'timeout' });
  const named = text.indexOf('"name": "outbound|', text.indexOf('"dynamic_active_clusters"'));
  if (named >= 0) edits.push({ offset: named, end: named + '"name": "outbound|'.length, to: '"name": "renamed-outbound|', what: 'rename' });
  edits.sort((x, y) => y.offset - x.offset);
  let out = text;
  for (const e of edits) out = out.slice(0, e.offset) + e.to + out.slice(e.end);
  // A later fetch: every last_updated a minute on (same length, so nothing else moves).
  out = out.replace(/"last_updated": "(\d{4}-\d\d-\d\dT\d\d):(\d\d)/g, (_m, head: string, min: string) => `"last_updated": "${head}:${String((Number(min) + 1) % 60).padStart(2, '0')}`);
  return { text: out, edits: edits.map(({ offset, what }) => ({ offset, what })).reverse() };
}
