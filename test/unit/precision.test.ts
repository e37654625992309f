/**
 * Issue 8 §6, precision on real dumps: a finding must mean something. Each case is built after what real dumps hold
 * (described in the issue) and runs as JSON and as YAML.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { Diagnostic } from '../../src/core/checks/types';
import { analyze, check, hoverAt, looksLikeEnvoy, pcParts, readValue, renderProxyConfig, renderSummary, Workspace, type Analysis } from '../../src/core/facade';

const FORMATS = ['json', 'yaml'] as const;

function load(files: Record<string, unknown>, format: (typeof FORMATS)[number]): { ws: Workspace; texts: Map<string, string> } {
  const ws = new Workspace();
  const texts = new Map<string, string>();
  for (const [name, value] of Object.entries(files)) {
    const uri = `${name}.${format}`;
    const text = format === 'json' ? JSON.stringify(value, null, 1) : stringify(value);
    texts.set(uri, text);
    ws.set(analyze(uri, text, { languageId: format }));
  }
  return { ws, texts };
}

const codes = (diags: Diagnostic[]): string[] => diags.map((d) => d.code).sort();

/** `code severity name` for every finding, the name being the text under its span. */
function findings(ws: Workspace, texts: Map<string, string>, uri: string): string[] {
  return check(ws, uri)
    .map((d) => `${d.code} ${d.severity} ${texts.get(uri)!.slice(d.span.start, d.span.end).replace(/^"|"$/g, '')}`)
    .sort();
}

const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const listener = (name: string, port: number) => ({
  '@type': LISTENER,
  name,
  address: { socket_address: { address: '0.0.0.0', port_value: port } },
  filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { cluster: 'BlackHoleCluster' } }] }],
});
const listenersDump = (entries: unknown[], key = 'dynamic_listeners', statics: unknown[] = []) => ({
  configs: [
    { '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', static_listeners: statics, [key]: entries },
    { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', static_clusters: [{ cluster: { name: 'BlackHoleCluster', type: 'STATIC' } }] },
  ],
});

describe('a listener in several states is one listener', () => {
  const details = "error adding listener '0.0.0.0:15006': address already in use";
  for (const format of FORMATS) {
    it(`two error_state entries of virtualInbound, one naming it only inside failed_configuration (${format})`, () => {
      const dump = listenersDump([
        { name: 'virtualInbound', error_state: { failed_configuration: listener('virtualInbound', 15006), details } },
        { error_state: { failed_configuration: listener('virtualInbound', 15006), details } },
      ]);
      const { ws, texts } = load({ dump }, format);
      const a = ws.get(`dump.${format}`)!;
      assert.equal(a.defs.filter((d) => d.kind === 'listener' && d.name === 'virtualInbound').length, 2, 'both entries stay navigable');
      const diags = check(ws, `dump.${format}`);
      assert.deepEqual(findings(ws, texts, `dump.${format}`), ['listener-error error virtualInbound']);
      const err = diags[0];
      assert.equal(err.message, `Envoy rejected listener "virtualInbound" and is not serving it: ${details}`);
      assert.equal(err.related?.length, 1, 'the other error entry is related information');
    });

    it(`active, warming and draining states with an error entry of the same name (${format})`, () => {
      const dump = listenersDump([
        { name: 'l', active_state: { listener: listener('l', 80) }, warming_state: { listener: listener('l', 80) } },
        { name: 'l', draining_state: { listener: listener('l', 80) } },
        { name: 'l', error_state: { failed_configuration: listener('l', 80), details: 'bad update' } },
      ]);
      const { ws } = load({ dump }, format);
      const diags = check(ws, `dump.${format}`);
      assert.deepEqual(codes(diags), ['listener-error', 'warming']);
      assert.match(diags.find((d) => d.code === 'listener-error')!.message, /keeps serving the previous version/);
    });

    it(`v2alpha lists several draining copies of one listener (${format})`, () => {
      const dump = listenersDump([{ listener: listener('l', 80) }, { listener: listener('l', 80) }], 'dynamic_draining_listeners');
      const { ws } = load({ dump }, format);
      assert.deepEqual(codes(check(ws, `dump.${format}`)), []);
    });

    it(`two live definitions of one name are still duplicates (${format})`, () => {
      const twoActive = listenersDump([
        { name: 'l', active_state: { listener: listener('l', 80) } },
        { name: 'l', active_state: { listener: listener('l', 81) } },
      ]);
      const staticAndActive = listenersDump([{ name: 'l', active_state: { listener: listener('l', 80) } }], 'dynamic_listeners', [{ listener: listener('l', 81) }]);
      for (const dump of [twoActive, staticAndActive]) {
        const { ws } = load({ dump }, format);
        assert.deepEqual(codes(check(ws, `dump.${format}`)), ['duplicate-name', 'duplicate-name']);
      }
    });
  }
});

describe('a load assignment with no endpoints is not a cluster with no healthy endpoints', () => {
  const cla = (name: string, endpoints: unknown) => ({ endpoint_config: { cluster_name: name, endpoints } });
  const lb = (ip: string, health_status: string) => ({ endpoint: { address: { socket_address: { address: ip, port_value: 80 } } }, health_status });
  const dump = {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        static_clusters: [{ cluster: { name: 'inline-empty', type: 'ORIGINAL_DST', load_assignment: { cluster_name: 'inline-empty' } } }],
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
        dynamic_endpoint_configs: [
          cla('scaled-to-zero', undefined),
          cla('empty-locality', [{ locality: {}, lb_endpoints: [] }]),
          cla('all-down', [{ lb_endpoints: [lb('10.0.0.1', 'UNHEALTHY'), lb('10.0.0.2', 'DRAINING')] }]),
          cla('one-up', [{ lb_endpoints: [lb('10.0.0.3', 'UNHEALTHY'), lb('10.0.0.4', 'HEALTHY')] }]),
          cla('unknown-counts-as-healthy', [{ lb_endpoints: [lb('10.0.0.5', 'UNKNOWN')] }]),
          // Empty by design, as real dumps list them: Istio's built-ins and inbound clusters, a non-EDS cluster's.
          cla('BlackHoleCluster', []),
          cla('inbound|9080||', []),
          cla('inline-empty', []),
        ],
        static_endpoint_configs: [cla('egress-cluster', undefined)],
      },
    ],
  };
  const status = {
    cluster_statuses: [
      { name: 'live-empty', host_statuses: [] },
      { name: 'live-down', host_statuses: [{ address: { socket_address: { address: '10.0.0.6', port_value: 80 } }, health_status: { failed_outlier_check: true } }] },
    ],
  };
  for (const format of FORMATS) {
    it(`no-endpoints (information) for an empty one, no-healthy-endpoints (warning) when hosts exist and all are down (${format})`, () => {
      const { ws, texts } = load({ dump, status }, format);
      assert.deepEqual(findings(ws, texts, `dump.${format}`), [
        'no-endpoints information empty-locality',
        'no-endpoints information scaled-to-zero',
        'no-healthy-endpoints warning all-down',
      ]);
      assert.deepEqual(findings(ws, texts, `status.${format}`), ['no-endpoints information live-empty', 'no-healthy-endpoints warning live-down']);
      const byCode = (c: string) => check(ws, `dump.${format}`).filter((d) => d.code === c).map((d) => d.message);
      assert.equal(
        byCode('no-endpoints').find((m) => m.includes('scaled-to-zero')),
        'Load assignment "scaled-to-zero" has no endpoints here (the service is scaled to zero or has no ready pods); Envoy answers requests to it with 503 UH (no_healthy_upstream).',
      );
      assert.equal(
        byCode('no-healthy-endpoints')[0],
        'Load assignment "all-down" has 2 endpoints and none is healthy (1 UNHEALTHY, 1 DRAINING); Envoy answers requests to it with 503 UH (no_healthy_upstream).',
      );
    });
  }
});

describe('admin /listeners?format=json', () => {
  const statuses = {
    listener_statuses: [
      { name: 'virtualOutbound', local_address: { socket_address: { address: '0.0.0.0', port_value: 15001 } } },
      {
        name: 'virtualInbound',
        local_address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
        additional_local_addresses: [{ socket_address: { address: '::', port_value: 15006 } }],
      },
      { name: '0.0.0.0_8080', local_address: { socket_address: { address: '0.0.0.0', port_value: 8080 } } },
    ],
  };
  const camel = {
    listenerStatuses: [{ name: 'admin-port-0', localAddress: { socketAddress: { address: '127.0.0.1', portValue: 40123 } }, additionalLocalAddresses: [] }],
  };
  for (const format of FORMATS) {
    it(`is read as listener names and bound addresses, and checked for nothing (${format})`, () => {
      const { ws } = load({ statuses, camel }, format);
      const a: Analysis = ws.get(`statuses.${format}`)!;
      assert.equal(a.shape, 'listener-statuses');
      assert.deepEqual(a.problems, []);
      assert.deepEqual(
        a.defs.map((d) => [d.kind, d.name, d.info.address, d.info.additionalAddresses, d.section]),
        [
          ['listener', 'virtualOutbound', '0.0.0.0:15001', undefined, 'listener_statuses'],
          ['listener', 'virtualInbound', '0.0.0.0:15006', [':::15006'], 'listener_statuses'],
          ['listener', '0.0.0.0_8080', '0.0.0.0:8080', undefined, 'listener_statuses'],
        ],
      );
      assert.deepEqual(check(ws, `statuses.${format}`), []);
      const c = ws.get(`camel.${format}`)!;
      assert.equal(c.shape, 'listener-statuses');
      assert.deepEqual(c.defs.map((d) => [d.name, d.info.address]), [['admin-port-0', '127.0.0.1:40123']]);
    });
  }

  it('is recognized from its first bytes, and hovers show where a dump\'s listener is bound', () => {
    assert.ok(looksLikeEnvoy(JSON.stringify(statuses)));
    assert.ok(looksLikeEnvoy(stringify(camel)));
    const dump = listenersDump([{ name: 'virtualInbound', active_state: { listener: listener('virtualInbound', 15006) } }]);
    const { ws, texts } = load({ dump, statuses }, 'json');
    const name = (uri: string) => texts.get(uri)!.indexOf('"virtualInbound"') + 2;
    const own = hoverAt(ws, 'statuses.json', name('statuses.json'))!;
    assert.match(own.markdown, /address: `0.0.0.0:15006`/);
    assert.match(own.markdown, /additional addresses: `:::15006`/);
    assert.match(own.markdown, /state: active · listener\\_statuses/);
    const fromDump = hoverAt(ws, 'dump.json', name('dump.json'))!;
    assert.match(fromDump.markdown, /bound to \(\/listeners\): `0.0.0.0:15006`, `:::15006`/);
    // Its listeners have no filter chains, so pc all (and summary) has no row for them; pc listener --verbose=false has.
    const statusValue = readValue(texts.get('statuses.json')!);
    assert.doesNotMatch(renderSummary(ws, ws.get('statuses.json')!, statusValue), /virtualInbound/);
    assert.match(renderProxyConfig('listener', { parts: pcParts(statusValue) }, { verbose: false }), /^0\.0\.0\.0,:: +15006 +UNKNOWN$/m);
    // Neither file changes what the other reports.
    assert.deepEqual(check(ws, 'dump.json'), []);
  });
});
