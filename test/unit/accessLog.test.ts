/**
 * Access-log lines read back into fields (issue 10 §5). The lines are written for these tests after the documented
 * formats: Istio's default text format in its 1.1, 1.2, 1.3–1.8 and 1.9+ shapes, Envoy's default format and Istio's
 * JSON encoding, with the answers an SRE meets (200, 404 NR, 503 NC / UH / UF) and the awkward fields (spaces and
 * quotes inside quoted fields, IPv6 addresses, `-`).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ACCESS_LOG_FORMATS, directionOf, parseAccessLog, splitAddress, type AccessLogRecord } from '../../src/core/facade';

function read(line: string): AccessLogRecord {
  const r = parseAccessLog(line);
  assert.ok(r.record, `not read: ${r.error}`);
  return r.record;
}

const OK_200 =
  '[2026-12-04T10:15:32.417Z] "GET /ratings/0?user=7 HTTP/1.1" 200 - via_upstream - "-" 0 48 3 2 "-" ' +
  '"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0" "6b1f2d6e-8f3a-4c2b-a1d4-0f5e6c7b8a90" ' +
  '"ratings:9080" "10.244.1.12:9080" outbound|9080||ratings.default.svc.cluster.local 10.244.2.7:51234 ' +
  '10.96.144.21:9080 10.244.2.7:40112 - default';

describe('parseAccessLog: Istio 1.9+ text format', () => {
  it('reads every field of a 200', () => {
    assert.deepEqual(read(OK_200), {
      format: 'istio',
      startTime: '2026-12-04T10:15:32.417Z',
      method: 'GET',
      path: '/ratings/0?user=7',
      protocol: 'HTTP/1.1',
      status: 200,
      details: 'via_upstream',
      bytesReceived: 0,
      bytesSent: 48,
      durationMs: 3,
      upstreamServiceTimeMs: 2,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
      requestId: '6b1f2d6e-8f3a-4c2b-a1d4-0f5e6c7b8a90',
      authority: 'ratings:9080',
      upstreamHost: '10.244.1.12:9080',
      upstreamCluster: 'outbound|9080||ratings.default.svc.cluster.local',
      upstreamLocal: '10.244.2.7:51234',
      downstreamLocal: '10.96.144.21:9080',
      downstreamRemote: '10.244.2.7:40112',
      routeName: 'default',
    });
  });

  it('reads a 404 NR route_not_found: no upstream, no cluster, no route', () => {
    const r = read(
      '[2026-12-04T10:16:01.002Z] "GET /nope HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - "-" "curl/8.5.0" ' +
        '"0c1d2e3f-aaaa-4bbb-8ccc-123456789abc" "unknown.example.com:8080" "-" - - 10.96.0.99:8080 10.244.2.7:40150 - -',
    );
    assert.equal(r.status, 404);
    assert.deepEqual(r.flags, ['NR']);
    assert.equal(r.details, 'route_not_found');
    assert.equal(r.authority, 'unknown.example.com:8080');
    for (const k of ['upstreamHost', 'upstreamCluster', 'upstreamLocal', 'routeName', 'serverName', 'upstreamServiceTimeMs'] as const) {
      assert.equal(r[k], undefined, `${k} is absent`);
    }
    assert.equal(directionOf(r), 'unknown');
  });

  it('reads a 503 NC cluster_not_found with the route that named the missing cluster', () => {
    const r = read(
      '[2026-12-04T10:17:44.120Z] "GET /reviews/1 HTTP/1.1" 503 NC cluster_not_found - "-" 0 0 0 - "-" "curl/8.5.0" ' +
        '"7d1f-1" "reviews:9080" "-" - - 10.96.10.5:9080 10.244.2.7:40200 - reviews.default.svc.cluster.local:9080/reviews',
    );
    assert.deepEqual([r.status, r.flags, r.details, r.upstreamCluster], [503, ['NC'], 'cluster_not_found', undefined]);
    assert.equal(r.routeName, 'reviews.default.svc.cluster.local:9080/reviews');
  });

  it('reads a 503 UH no_healthy_upstream: the cluster is named, no host was picked', () => {
    const r = read(
      '[2026-12-04T10:18:09.555Z] "GET /details/0 HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 19 0 - "-" ' +
        '"python-requests/2.31.0" "a1b2" "details:9080" "-" outbound|9080||details.default.svc.cluster.local - ' +
        '10.96.33.4:9080 10.244.2.7:53000 - default',
    );
    assert.deepEqual([r.status, r.flags, r.details], [503, ['UH'], 'no_healthy_upstream']);
    assert.equal(r.upstreamHost, undefined);
    assert.equal(r.upstreamCluster, 'outbound|9080||details.default.svc.cluster.local');
    assert.equal(directionOf(r), 'outbound');
  });

  it('reads a 503 UF whose transport failure reason has spaces and colons, and several flags', () => {
    const r = read(
      '[2026-12-04T10:19:00.001Z] "GET /productpage HTTP/1.1" 503 UF,URX ' +
        'upstream_reset_before_response_started{connection_failure,TLS_error:_268435581:SSL_routines} - ' +
        '"TLS error: 268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED" 0 190 12 - "-" "curl/8.5.0" ' +
        '"e5e5" "productpage.default.svc.cluster.local:9080" "10.244.1.30:9080" ' +
        'outbound|9080||productpage.default.svc.cluster.local - 10.96.7.7:9080 10.244.2.7:53010 - default',
    );
    assert.deepEqual(r.flags, ['UF', 'URX']);
    assert.equal(r.details, 'upstream_reset_before_response_started{connection_failure,TLS_error:_268435581:SSL_routines}');
    assert.equal(r.transportFailureReason, 'TLS error: 268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED');
    assert.equal(r.upstreamHost, '10.244.1.30:9080');
  });

  it('undoes escaped quotes and keeps a quote that does not end the field', () => {
    const r = read(
      '[2026-12-04T10:20:00.000Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 5 1 1 "198.51.100.4, 10.0.0.1" ' +
        '"agent \\"quoted\\" say "hi"there \\\\ end" "r-1" "web:80" "10.1.1.1:80" outbound|80||web.default.svc.cluster.local ' +
        '10.244.2.7:1 10.96.1.1:80 10.244.2.7:2 - default',
    );
    assert.equal(r.userAgent, 'agent "quoted" say "hi"there \\ end');
    assert.equal(r.forwardedFor, '198.51.100.4, 10.0.0.1');
  });

  it('reads IPv6 addresses, inbound, with an SNI', () => {
    const r = read(
      '[2026-12-04T10:21:30.250Z] "POST /api/v1/orders HTTP/2" 201 - via_upstream - "-" 812 64 25 24 "-" "grpc-go/1.60.1" ' +
        '"ff00" "orders.shop.svc.cluster.local:8080" "[fd00:10:244::c]:8080" inbound|8080|| [::1]:45678 ' +
        '[fd00:10:244::c]:8080 [fd00:10:244::7]:40112 outbound_.8080_._.orders.shop.svc.cluster.local default',
    );
    assert.equal(r.upstreamHost, '[fd00:10:244::c]:8080');
    assert.equal(r.downstreamLocal, '[fd00:10:244::c]:8080');
    assert.equal(r.upstreamLocal, '[::1]:45678');
    assert.equal(r.serverName, 'outbound_.8080_._.orders.shop.svc.cluster.local');
    assert.equal(r.protocol, 'HTTP/2');
    assert.equal(directionOf(r), 'inbound');
    assert.deepEqual(splitAddress(r.downstreamLocal), { address: 'fd00:10:244::c', port: 8080 });
    assert.deepEqual(splitAddress(r.downstreamRemote), { address: 'fd00:10:244::7', port: 40112 });
  });

  it('reads a TCP connection: no request line values, status 0', () => {
    const r = read(
      '[2026-12-04T10:22:00.000Z] "- - -" 0 - - - "-" 1024 2048 5003 - "-" "-" "-" "-" "10.244.3.9:3306" ' +
        'outbound|3306||mysql.db.svc.cluster.local 10.244.2.7:41000 10.96.50.1:3306 10.244.2.7:40999 - -',
    );
    assert.deepEqual(r, {
      format: 'istio',
      startTime: '2026-12-04T10:22:00.000Z',
      status: 0,
      bytesReceived: 1024,
      bytesSent: 2048,
      durationMs: 5003,
      upstreamHost: '10.244.3.9:3306',
      upstreamCluster: 'outbound|3306||mysql.db.svc.cluster.local',
      upstreamLocal: '10.244.2.7:41000',
      downstreamLocal: '10.96.50.1:3306',
      downstreamRemote: '10.244.2.7:40999',
    });
  });

  it('skips the timestamp `kubectl logs --timestamps` puts in front', () => {
    const r = read(`2026-12-04T10:15:32.418123456Z ${OK_200}`);
    assert.equal(r.format, 'istio');
    assert.equal(r.startTime, '2026-12-04T10:15:32.417Z');
  });
});

describe('parseAccessLog: older Istio text formats', () => {
  it('reads Istio 1.3–1.8 (mixer status, transport failure reason, route name)', () => {
    const r = read(
      '[2020-11-03T08:12:44.571Z] "GET /productpage HTTP/1.1" 200 - "-" "-" 0 5183 47 46 "10.28.2.1" ' +
        '"Mozilla/5.0 (X11; Linux x86_64)" "5a7c" "35.184.1.2" "127.0.0.1:9080" ' +
        'inbound|9080|http|productpage.default.svc.cluster.local 127.0.0.1:43392 10.28.1.8:9080 10.28.2.1:0 ' +
        'outbound_.9080_._.productpage.default.svc.cluster.local default',
    );
    assert.equal(r.format, 'istio-1.3');
    assert.equal(r.details, undefined);
    assert.equal(r.upstreamCluster, 'inbound|9080|http|productpage.default.svc.cluster.local');
    assert.equal(r.routeName, 'default');
    assert.equal(r.serverName, 'outbound_.9080_._.productpage.default.svc.cluster.local');
  });

  it('reads Istio 1.2 (no route name) and Istio 1.1 (no transport failure reason)', () => {
    const v12 = read(
      '[2019-09-05T17:53:36.908Z] "GET /productpage HTTP/1.1" 200 - "-" "-" 0 5183 47 46 "10.28.2.1" "curl/7.60.0" ' +
        '"8f2e" "35.184.1.2" "127.0.0.1:9080" inbound|9080|http|productpage.default.svc.cluster.local - 10.28.1.8:9080 10.28.2.1:0 -',
    );
    assert.equal(v12.format, 'istio-1.2');
    assert.equal(v12.upstreamCluster, 'inbound|9080|http|productpage.default.svc.cluster.local');
    assert.equal(v12.routeName, undefined);
    const v11 = read(
      '[2019-03-01T09:00:00.000Z] "GET /ratings/0 HTTP/1.1" 503 UH "-" 0 19 0 - "-" "curl/7.60.0" "77aa" ' +
        '"ratings:9080" "-" outbound|9080||ratings.default.svc.cluster.local - 10.0.0.31:9080 10.28.2.1:51000 -',
    );
    assert.equal(v11.format, 'istio-1.1');
    assert.deepEqual([v11.status, v11.flags, v11.upstreamCluster], [503, ['UH'], 'outbound|9080||ratings.default.svc.cluster.local']);
  });
});

describe("parseAccessLog: Envoy's default format", () => {
  it('reads the fields it has and nothing more', () => {
    const r = read(
      '[2026-12-04T10:25:00.000Z] "POST /api/v1/items HTTP/2" 201 - 512 64 12 10 "203.0.113.9" "grpc-go/1.60.1" ' +
        '"req-1" "api.example.com" "10.1.2.3:8443"\n',
    );
    assert.deepEqual(r, {
      format: 'envoy',
      startTime: '2026-12-04T10:25:00.000Z',
      method: 'POST',
      path: '/api/v1/items',
      protocol: 'HTTP/2',
      status: 201,
      bytesReceived: 512,
      bytesSent: 64,
      durationMs: 12,
      upstreamServiceTimeMs: 10,
      forwardedFor: '203.0.113.9',
      userAgent: 'grpc-go/1.60.1',
      requestId: 'req-1',
      authority: 'api.example.com',
      upstreamHost: '10.1.2.3:8443',
    });
    assert.equal(directionOf(r), 'unknown');
  });
});

describe("parseAccessLog: Istio's JSON encoding", () => {
  it('reads typed values and null (as Envoy writes them) and ignores keys it does not know', () => {
    const r = read(
      JSON.stringify({
        authority: 'ratings:9080', bytes_received: 0, bytes_sent: 48, connection_termination_details: null,
        downstream_local_address: '10.96.144.21:9080', downstream_remote_address: '10.244.2.7:40112', duration: 3,
        method: 'GET', path: '/ratings/0', protocol: 'HTTP/1.1', request_id: 'r-9', requested_server_name: null,
        response_code: 200, response_code_details: 'via_upstream', response_flags: '-', route_name: 'default',
        start_time: '2026-12-04T10:15:32.417Z', upstream_cluster: 'outbound|9080||ratings.default.svc.cluster.local',
        upstream_host: '10.244.1.12:9080', upstream_local_address: '10.244.2.7:51234', upstream_service_time: '2',
        upstream_transport_failure_reason: null, user_agent: 'curl/8.5.0', x_forwarded_for: null, pod_name: 'productpage-v1-abc',
      }),
    );
    assert.deepEqual(r, {
      format: 'istio-json',
      authority: 'ratings:9080',
      bytesReceived: 0,
      bytesSent: 48,
      downstreamLocal: '10.96.144.21:9080',
      downstreamRemote: '10.244.2.7:40112',
      durationMs: 3,
      method: 'GET',
      path: '/ratings/0',
      protocol: 'HTTP/1.1',
      requestId: 'r-9',
      status: 200,
      details: 'via_upstream',
      routeName: 'default',
      startTime: '2026-12-04T10:15:32.417Z',
      upstreamCluster: 'outbound|9080||ratings.default.svc.cluster.local',
      upstreamHost: '10.244.1.12:9080',
      upstreamLocal: '10.244.2.7:51234',
      upstreamServiceTimeMs: 2,
      userAgent: 'curl/8.5.0',
    });
  });

  it('reads the older all-string encoding with "-" for missing values', () => {
    const r = read(
      '{"authority":"details:9080","bytes_received":"0","bytes_sent":"19","downstream_local_address":"10.96.33.4:9080",' +
        '"duration":"0","istio_policy_status":"-","method":"GET","path":"/details/0","protocol":"HTTP/1.1",' +
        '"response_code":"503","response_flags":"UH","upstream_cluster":"outbound|9080||details.default.svc.cluster.local",' +
        '"upstream_host":"-","upstream_service_time":"-"}',
    );
    assert.deepEqual([r.status, r.flags, r.upstreamHost, r.upstreamServiceTimeMs], [503, ['UH'], undefined, undefined]);
  });
});

describe('parseAccessLog: lines it does not read', () => {
  const garbage: Array<[string, string]> = [
    ['an empty line', ''],
    ['prose', 'upstream connect error or disconnect/reset before headers'],
    ['too few fields', '[2026-12-04T10:15:32.417Z] "GET / HTTP/1.1" 200 - 0'],
    ['a request line that is not quoted', '[2026-12-04T10:15:32.417Z] GET / HTTP/1.1 200 - 0 0 0 - "-" "-" "-" "-" "-"'],
    ['a word where a number belongs', '[2026-12-04T10:25:00.000Z] "GET / HTTP/2" OK - 512 64 12 10 "-" "-" "-" "a" "b"'],
    ['an unclosed quote', '[2026-12-04T10:25:00.000Z] "GET / HTTP/2" 200 - 1 2 3 4 "-" "-" "-" "a" "b'],
    ['no closing bracket', '[2026-12-04T10:25:00.000Z "GET / HTTP/2" 200'],
    ['broken JSON', '{"response_code": 200, '],
    ['JSON of something else', '{"level":"info","msg":"started"}'],
    ['a JSON array', '[1, 2, 3]'],
    ['a JSON status that is no number', '{"response_code":"two hundred","method":"GET"}'],
  ];
  for (const [what, line] of garbage) {
    it(`says which formats it reads for ${what}`, () => {
      const r = parseAccessLog(line);
      assert.equal(r.record, undefined);
      assert.ok(r.error?.includes(ACCESS_LOG_FORMATS), r.error);
      assert.match(r.error!, /^[^\n]+\.$/, 'one sentence');
    });
  }
});

describe('directionOf and splitAddress', () => {
  const dir = (upstreamCluster?: string) => directionOf({ format: 'istio', upstreamCluster });
  it("decides from Istio's cluster names", () => {
    assert.equal(dir('outbound|9080|v1|reviews.default.svc.cluster.local'), 'outbound');
    assert.equal(dir('inbound|9080||'), 'inbound');
    assert.equal(dir('PassthroughCluster'), 'outbound');
    assert.equal(dir('BlackHoleCluster'), 'outbound');
    assert.equal(dir('InboundPassthroughClusterIpv4'), 'inbound');
    assert.equal(dir('service_backend'), 'unknown');
    assert.equal(dir(undefined), 'unknown');
  });
  it('splits IPv4 and bracketed IPv6 address:port, and nothing else', () => {
    assert.deepEqual(splitAddress('10.96.144.21:9080'), { address: '10.96.144.21', port: 9080 });
    assert.deepEqual(splitAddress('[::1]:15006'), { address: '::1', port: 15006 });
    assert.equal(splitAddress('fd00::1'), undefined);
    assert.equal(splitAddress('10.0.0.1:99999'), undefined);
    assert.equal(splitAddress(undefined), undefined);
  });
});
