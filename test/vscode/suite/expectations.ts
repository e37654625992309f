/** Expected findings shared by the JSON and YAML suites, in the core unit tests and inside VS Code. */

/** The planted problems of test/fixtures/sidecar.json (and its YAML twin), checked by hand against the fixture. */
export const SIDECAR_FINDINGS = [
  'listener-error error 0.0.0.0_15010',
  'missing-endpoints warning outbound|9080||details.default.svc.cluster.local',
  'no-healthy-endpoints warning outbound|443||unused.example.com',
  'no-healthy-endpoints warning outbound|9080|v1|reviews.default.svc.cluster.local',
  'no-endpoints information outbound|9080||productpage.default.svc.cluster.local',
  'unknown-cluster warning inbound|9443||',
  'unknown-cluster warning outbound|9080|v2|reviews.default.svc.cluster.local',
  'unknown-cluster warning outbound|9080||mirror.default.svc.cluster.local',
  'unknown-cluster warning zipkin',
  'unknown-extension-config warning istio.missing_filter',
  'unknown-route-config warning 8080',
  'unknown-secret warning kubernetes://missing-cert',
  'unused-cluster hint outbound|443||unused.example.com',
  'unused-cluster hint outbound|9080|v3|reviews.default.svc.cluster.local',
  'unused-cluster hint outbound|9080||details.default.svc.cluster.local',
  'unused-cluster hint outbound|9080||productpage.default.svc.cluster.local',
  'warming information 0.0.0.0_8080',
  'warming information outbound|9080||productpage.default.svc.cluster.local',
].sort();
