/**
 * Micro-benchmark for the JSON scanner: builds ~50 MB of Istio-like pretty-printed config dump in memory and
 * compares JSON.parse(string) with scanJson(buffer) and scanJson(string). Prints median times and ratios.
 *
 *   npx tsc -p tsconfig.json && node out/bench/scanner.js [targetMB] [runs]
 */

import { mulberry32 as prng } from './generateDump';
import { scanJson } from '../src/core/parse/jsonScanner';


const rnd = prng(42);
const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
const NAMESPACES = ['default', 'bookinfo', 'istio-system', 'payments-prod', 'checkout', 'observability'];
const APPS = ['reviews', 'ratings', 'details', 'productpage', 'cart-service', 'inventory-api', 'frontend-gateway'];
const TS = '2024-05-14T09:21:37.512Z';

function service(i: number): { host: string; name: string; ns: string; port: number } {
  const ns = pick(NAMESPACES);
  const name = `${pick(APPS)}-v${i % 7}-${i}`;
  return { host: `${name}.${ns}.svc.cluster.local`, name, ns, port: pick([80, 443, 8080, 9080, 15010, 3306]) };
}

function httpFilters(): unknown[] {
  return [
    { name: 'istio.metadata_exchange', typed_config: { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'type.googleapis.com/io.istio.http.peer_metadata.Config', value: { upstream_discovery: [{ istio_headers: {} }, { workload_discovery: {} }], upstream_propagation: [{ istio_headers: {} }] } } },
    { name: 'envoy.filters.http.grpc_stats', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig', emit_filter_state: true, stats_for_all_methods: false } },
    { name: 'envoy.filters.http.fault', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' } },
    { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } },
    { name: 'istio.stats', typed_config: { '@type': 'type.googleapis.com/stats.PluginConfig', disable_host_header_fallback: true } },
    { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
  ];
}

function listener(i: number): unknown {
  const s = service(i);
  return {
    name: `0.0.0.0_${s.port + i}`,
    active_state: {
      version_info: `2024-05-14T09:21:37Z/${1000 + i}`,
      listener: {
        '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
        name: `0.0.0.0_${s.port + i}`,
        address: { socket_address: { address: '0.0.0.0', port_value: s.port + i } },
        filter_chains: [{
          filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] },
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: `outbound_0.0.0.0_${s.port + i}`,
              rds: { config_source: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, route_config_name: `${s.port + i}` },
              http_filters: httpFilters(),
              tracing: { client_sampling: { value: 100 }, random_sampling: { value: 1 }, overall_sampling: { value: 100 } },
              use_remote_address: false,
              upgrade_configs: [{ upgrade_type: 'websocket' }],
              stream_idle_timeout: '0s',
              normalize_path: true,
              request_id_extension: { typed_config: { '@type': 'type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig', use_request_id_for_trace_sampling: true } },
              path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
            },
          }],
        }],
        listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } }],
        listener_filters_timeout: '0s',
        continue_on_listener_filters_timeout: true,
        traffic_direction: 'OUTBOUND',
        bind_to_port: false,
      },
      last_updated: TS,
    },
  };
}

function cluster(i: number): unknown {
  const s = service(i);
  const name = `outbound|${s.port}||${s.host}`;
  return {
    version_info: `2024-05-14T09:21:37Z/${1000 + i}`,
    cluster: {
      '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      name,
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, service_name: name },
      connect_timeout: '10s',
      lb_policy: pick(['LEAST_REQUEST', 'ROUND_ROBIN']),
      circuit_breakers: { thresholds: [{ max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true }] },
      common_lb_config: { locality_weighted_lb_config: {} },
      metadata: { filter_metadata: { istio: { services: [{ host: s.host, name: s.name, namespace: s.ns }], default_original_port: s.port } } },
      filters: [{ name: 'istio.metadata_exchange', typed_config: { '@type': 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange', protocol: 'istio-peer-exchange', enable_discovery: true } }],
      transport_socket_matches: [{
        name: 'tlsMode-istio',
        match: { tlsMode: 'istio' },
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
            common_tls_context: {
              tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
              alpn_protocols: ['istio-peer-exchange', 'istio'],
              tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }], set_node_on_first_message_only: true }, initial_fetch_timeout: '0s', resource_api_version: 'V3' } }],
              combined_validation_context: { default_validation_context: { match_subject_alt_names: [{ exact: `spiffe://cluster.local/ns/${s.ns}/sa/${s.name}` }] }, validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: { api_config_source: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] } } } },
            },
            sni: `outbound_.${s.port}_._.${s.host}`,
          },
        },
      }],
    },
    last_updated: TS,
  };
}

function routeConfig(i: number): unknown {
  const hosts = Array.from({ length: 4 }, (_, k) => service(i * 4 + k));
  return {
    version_info: `2024-05-14T09:21:37Z/${1000 + i}`,
    route_config: {
      '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
      name: `${8000 + i}`,
      virtual_hosts: hosts.map((s) => ({
        name: `${s.host}:${s.port}`,
        domains: [s.host, `${s.name}.${s.ns}`, `${s.name}.${s.ns}.svc`, `10.96.${i % 256}.${s.port % 256}`],
        routes: [{
          match: { prefix: '/' },
          route: { cluster: `outbound|${s.port}||${s.host}`, timeout: '0s', retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', num_retries: 2, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }], host_selection_retry_max_attempts: '5', retriable_status_codes: [503] }, max_grpc_timeout: '0s' },
          decorator: { operation: `${s.host}:${s.port}/*` },
          name: 'default',
        }],
        include_request_attempt_count: true,
      })),
      validate_clusters: false,
      max_direct_response_body_size_bytes: 1048576,
    },
    last_updated: TS,
  };
}

function endpointConfig(i: number): unknown {
  const s = service(i);
  return {
    endpoint_config: {
      '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
      cluster_name: `outbound|${s.port}||${s.host}`,
      endpoints: [{
        locality: { region: 'us-east1', zone: `us-east1-${pick(['b', 'c', 'd'])}` },
        lb_endpoints: Array.from({ length: 3 }, (_, k) => ({
          endpoint: { address: { socket_address: { address: `10.${i % 256}.${k}.${(i * 7) % 256}`, port_value: s.port } }, health_check_config: {} },
          health_status: pick(['HEALTHY', 'HEALTHY', 'UNHEALTHY']),
          metadata: { filter_metadata: { istio: { workload: `${s.name};${s.ns};${s.name};v1;Kubernetes` } } },
          load_balancing_weight: 1,
        })),
        load_balancing_weight: 3,
      }],
      policy: { overprovisioning_factor: 140 },
    },
  };
}

/** About `targetBytes` of pretty-printed (2-space) Istio-like config dump. */
export function istioLikeDump(targetBytes: number): string {
  // One unit of each section is about 18 KB once pretty-printed.
  const units = Math.max(1, Math.round(targetBytes / 18_500));
  const cert = 'MIIC' + Array.from({ length: 1600 }, () => pick(['A', 'b', 'Q', '9', '+', '/', 'x', 'Z'])).join('');
  const doc = {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
        bootstrap: {
          node: { id: 'sidecar~10.1.2.3~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local', cluster: 'productpage.default', metadata: { ISTIO_VERSION: '1.22.0', MESH_ID: 'cluster.local', CLUSTER_ID: 'Kubernetes' } },
          dynamic_resources: { lds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, cds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, ads_config: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] } },
          admin: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } },
        },
        last_updated: TS,
      },
      { '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', version_info: '2024-05-14T09:21:37Z/1', dynamic_listeners: Array.from({ length: units }, (_, i) => listener(i)) },
      { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', version_info: '2024-05-14T09:21:37Z/1', dynamic_active_clusters: Array.from({ length: units }, (_, i) => cluster(i)) },
      { '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump', dynamic_route_configs: Array.from({ length: Math.ceil(units / 2) }, (_, i) => routeConfig(i)) },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
        dynamic_active_secrets: Array.from({ length: Math.ceil(units / 50) }, (_, i) => ({ name: `default-${i}`, version_info: `${i}`, last_updated: TS, secret: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', name: `default-${i}`, tls_certificate: { certificate_chain: { inline_bytes: cert }, private_key: { inline_bytes: 'W3JlZGFjdGVkXQ==' } } } })),
      },
      { '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump', dynamic_endpoint_configs: Array.from({ length: units }, (_, i) => endpointConfig(i)) },
    ],
  };
  return JSON.stringify(doc, null, 2);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(f: () => unknown): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function main(): void {
  const targetMb = Number(process.argv[2] ?? 50);
  const runs = Number(process.argv[3] ?? 9);
  const text = istioLikeDump(targetMb * 1e6);
  const buf = Buffer.from(text, 'utf8');

  let sink = 0;
  const parse = (): number => (sink += (JSON.parse(text) as { configs: unknown[] }).configs.length);
  const fromBuffer = (): number => (sink += scanJson(buf).length);
  const fromString = (): number => (sink += scanJson(text).length);

  // The very first call runs mostly unoptimized (the scanner is compiled while it runs); reported for reference.
  const cold = time(fromBuffer);
  const tape = scanJson(buf);
  console.log(`input: ${(buf.length / 1e6).toFixed(1)} MB, ${tape.length} nodes, ${tape.problems.length} problems`);
  console.log(`scanJson(buffer) first (cold) call: ${cold.toFixed(1)} ms`);

  // Warm up (also lets the optimizing compiler see every path).
  for (let i = 0; i < 3; i++) {
    parse();
    fromBuffer();
    fromString();
  }
  const t = { parse: [] as number[], buffer: [] as number[], string: [] as number[] };
  for (let i = 0; i < runs; i++) {
    // Interleaved so background noise hits all three alike.
    t.parse.push(time(parse));
    t.buffer.push(time(fromBuffer));
    t.string.push(time(fromString));
  }
  const p = median(t.parse);
  const b = median(t.buffer);
  const s = median(t.string);
  console.log(`JSON.parse(string)  median ${p.toFixed(1)} ms   (${t.parse.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`scanJson(buffer)    median ${b.toFixed(1)} ms   (${t.buffer.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`scanJson(string)    median ${s.toFixed(1)} ms   (${t.string.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`ratio buffer/parse: ${(b / p).toFixed(3)}x   ratio string/parse: ${(s / p).toFixed(3)}x`);
  if (sink === 0) console.log('');
}

if (require.main === module) main();
