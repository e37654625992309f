/**
 * The vocabulary of keys the indexer looks at. Scanners turn every member key into a small integer once, while
 * the bytes are under the cursor, so the indexer compares integers instead of building millions of strings.
 * Both spellings map to one id: Envoy prints proto field names (snake_case), istioctl and protojson print
 * camelCase (`route_config_name` / `routeConfigName`), and real files mix the two in one document.
 */

/** Node is not an object member (array item or root). */
export const KEY_NONE = 0;
/** Member whose key is not in the vocabulary. */
export const KEY_UNKNOWN = 1;

const VOCAB = [
  '@type', 'name', 'type', 'configs', 'version_info', 'last_updated', 'bootstrap',
  // listeners
  'static_listeners', 'dynamic_listeners', 'dynamic_active_listeners', 'dynamic_warming_listeners',
  'dynamic_draining_listeners', 'listener', 'active_state', 'warming_state', 'draining_state', 'error_state',
  'failed_configuration', 'details', 'last_update_attempt', 'address', 'socket_address', 'port_value', 'pipe',
  'path', 'filter_chains', 'default_filter_chain', 'filter_chain_match', 'destination_port', 'server_names',
  'transport_protocol', 'application_protocols', 'prefix_ranges', 'address_prefix', 'prefix_len', 'filters',
  'listener_filters', 'typed_config', 'config', 'use_original_dst', 'traffic_direction', 'stat_prefix',
  // http connection manager, routes
  'rds', 'route_config_name', 'route_config', 'scoped_routes', 'http_filters', 'config_discovery',
  'static_route_configs', 'dynamic_route_configs', 'virtual_hosts', 'domains', 'routes', 'match', 'prefix',
  'safe_regex', 'regex', 'path_separated_prefix', 'headers', 'query_parameters', 'case_sensitive', 'route',
  'weighted_clusters', 'clusters', 'cluster', 'weight', 'total_weight', 'cluster_header', 'cluster_specifier_plugin',
  'inline_cluster_specifier_plugin', 'request_mirror_policies', 'request_mirror_policy', 'redirect',
  'direct_response', 'status', 'validate_clusters', 'http_uri', 'envoy_grpc', 'grpc_service', 'cluster_name',
  'cluster_names', 'api_config_source', 'collector_cluster', 'local_cluster_name', 'cluster_manager',
  // scoped routes
  'scoped_route_configs', 'inline_scoped_route_configs', 'dynamic_scoped_route_configs', 'route_configuration_name',
  // clusters and endpoints
  'static_clusters', 'dynamic_active_clusters', 'dynamic_warming_clusters', 'eds_cluster_config', 'service_name',
  'cluster_type', 'load_assignment', 'endpoints', 'lb_endpoints', 'endpoint', 'health_status', 'locality',
  'static_endpoint_configs', 'dynamic_endpoint_configs', 'endpoint_config', 'transport_socket',
  'transport_socket_matches', 'cluster_statuses', 'host_statuses', 'eds_health_status', 'failed_active_health_check',
  'failed_outlier_check', 'added_via_api', 'hostname', 'zone', 'region', 'sub_zone',
  // secrets
  'static_secrets', 'dynamic_active_secrets', 'dynamic_warming_secrets', 'secrets', 'secret',
  'tls_certificate_sds_secret_configs', 'validation_context_sds_secret_config', 'combined_validation_context',
  'session_ticket_keys_sds_secret_config', 'common_tls_context', 'tls_context',
  // ecds and bootstrap
  'ecds_filters', 'ecds_filter', 'listeners', 'static_resources', 'dynamic_resources', 'lds_config', 'cds_config', 'ads_config',
  'admin', 'node', 'id', 'metadata', 'connect_timeout', 'lb_policy', 'circuit_breakers', 'tracing', 'http',
  'provider', 'stats_sinks', 'eds_config', 'scoped_rds', 'connect_matcher', 'string_match', 'exact', 'contains', 'suffix', 'value',
  // regexes (model/regexSites.ts)
  'safe_regex_match', 'regex_match', 'regex_rewrite', 'pattern',
  // which Istio resource generated a resource (`metadata.filter_metadata.istio.config`, model/extract.ts)
  'filter_metadata', 'istio',
] as const;

export type KeyName = (typeof VOCAB)[number];

/** Key ids by their snake_case name: `K.route_config_name`. */
export const K: Readonly<Record<KeyName, number>> = Object.freeze(
  Object.fromEntries(VOCAB.map((name, i) => [name, i + 2])) as Record<KeyName, number>,
);

/** `route_config_name` → `routeConfigName`. */
export function snakeToCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Every accepted spelling with its id: each snake_case name and its camelCase twin. */
export function keySpellings(): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  VOCAB.forEach((name, i) => {
    out.push([name, i + 2]);
    const camel = snakeToCamel(name);
    if (camel !== name) out.push([camel, i + 2]);
  });
  return out;
}

const byText = new Map<string, number>(keySpellings());

/** KeyId of a key given as text (KEY_UNKNOWN when not in the vocabulary). */
export function keyIdOf(text: string): number {
  return byText.get(text) ?? KEY_UNKNOWN;
}

/** The snake_case name of a key id, for messages and debugging. */
export function keyName(id: number): string | undefined {
  return id >= 2 ? VOCAB[id - 2] : undefined;
}
