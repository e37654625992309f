/**
 * The header changes a matched route makes (request_headers_to_add / _remove, response_headers_to_add / _remove):
 * Envoy's order between levels and within one (remove, then decide every addition against the headers as they stand,
 * then overwrite, then append), its append actions, and what the trace reports for a route that has some. Envoy's own
 * cases (router_check_tool) run in conformance.test.ts.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { analyze, traceRequest, Workspace } from '../../src/core/facade';
import { applyHeaderChanges, fillValue, headerChanges, joinedHeaders, type HeaderValues } from '../../src/core/trace';

const apply = (start: Record<string, string>, levels: Parameters<typeof headerChanges>[1], mostSpecificWins = false): Record<string, string> => {
  const h: HeaderValues = new Map(Object.entries(start).map(([k, v]) => [k, [v]]));
  applyHeaderChanges(h, headerChanges('request', levels, mostSpecificWins), (v) => v);
  return joinedHeaders(h);
};
const add = (key: string, value: string, extra: Record<string, unknown> = {}) => ({ header: { key, value }, ...extra });

describe('route header changes', () => {
  it('a level removes first, then overwrites, then appends; append is the default', () => {
    const route = {
      request_headers_to_remove: ['x-old', 'x-b'],
      request_headers_to_add: [add('x-a', '2'), add('x-b', 'new'), add('x-c', 'set', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })],
    };
    assert.deepEqual(apply({ 'x-old': '1', 'x-a': '1', 'x-b': 'kept?', 'x-c': 'was' }, [['route', route]]), { 'x-a': '1,2', 'x-b': 'new', 'x-c': 'set' });
  });

  it('add-if-absent and overwrite-if-exists are decided on the headers before the level adds anything', () => {
    const route = {
      request_headers_to_add: [
        add('x-new', 'first'),
        add('x-new', 'second', { append_action: 'ADD_IF_ABSENT' }),
        add('x-missing', 'v', { append_action: 'OVERWRITE_IF_EXISTS' }),
        add('x-there', 'v', { append_action: 'OVERWRITE_IF_EXISTS' }),
      ],
    };
    // x-new was absent when the level started, so ADD_IF_ABSENT adds it too (Envoy's order), after the append.
    assert.deepEqual(apply({ 'x-there': 'old' }, [['route', route]]), { 'x-there': 'v', 'x-new': 'first,second' });
  });

  it('reads the deprecated append BoolValue, and leaves out empty values unless keep_empty_value', () => {
    const route = {
      request_headers_to_add: [
        add('x-a', 'over', { append: false }),
        add('x-b', 'more', { append: { value: true } }),
        add('x-empty', ''),
        add('x-kept', '', { keep_empty_value: true }),
      ],
    };
    assert.deepEqual(apply({ 'x-a': '1', 'x-b': '1' }, [['route', route]]), { 'x-a': 'over', 'x-b': '1,more', 'x-kept': '' });
  });

  it('applies the route, then its virtual host, then the route configuration; the reverse with most_specific_header_mutations_wins', () => {
    const level = (v: string) => ({ request_headers_to_add: [add('x-who', v, { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })] });
    const levels: Parameters<typeof headerChanges>[1] = [['weighted cluster', undefined], ['route', level('route')], ['virtual host', level('vhost')], ['route configuration', level('global')]];
    assert.deepEqual(apply({}, levels), { 'x-who': 'global' });
    assert.deepEqual(apply({}, levels, true), { 'x-who': 'route' });
    assert.deepEqual(headerChanges('request', levels, false).map((c) => c.level), ['route', 'virtual host', 'route configuration']);
  });

  it('fills the command operators it can know and says when others are left as written', () => {
    const from = { sourceAddress: '10.1.2.3', sourcePort: 5555, header: (n: string) => (n.toLowerCase() === 'x-user' ? 'ann' : undefined) };
    assert.deepEqual(fillValue('%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%', from), { value: '10.1.2.3', unknown: false });
    assert.deepEqual(fillValue('%DOWNSTREAM_REMOTE_ADDRESS%', from), { value: '10.1.2.3:5555', unknown: false });
    assert.deepEqual(fillValue('user=%REQ(X-User)% 100%%', from), { value: 'user=ann 100%', unknown: false });
    assert.deepEqual(fillValue('%REQ(x-absent)%', from), { value: '', unknown: false });
    assert.deepEqual(fillValue('%REQ(x-absent?X-USER)%', from), { value: 'ann', unknown: false });
    assert.deepEqual(fillValue('%UPSTREAM_HOST%', from), { value: '%UPSTREAM_HOST%', unknown: true });
    assert.deepEqual(fillValue('%DOWNSTREAM_REMOTE_ADDRESS%', { header: () => undefined }), { value: '%DOWNSTREAM_REMOTE_ADDRESS%', unknown: true });
  });
});

describe('a trace through a route that changes headers', () => {
  const dump = JSON.stringify({
    static_resources: {
      listeners: [{
        name: 'web',
        address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'web',
              route_config: {
                name: 'local',
                internal_only_headers: ['x-internal-user'],
                request_headers_to_add: [add('x-global', 'g')],
                response_headers_to_remove: ['server'],
                virtual_hosts: [{
                  name: 'all',
                  domains: ['*'],
                  request_headers_to_remove: ['x-debug'],
                  routes: [
                    {
                      match: { prefix: '/', headers: [{ name: 'x-internal-user', present_match: true }] },
                      route: { cluster: 'app' },
                      name: 'internal-users',
                    },
                    {
                      match: { prefix: '/ping' },
                      direct_response: { status: 200, body: { inline_string: 'pong' } },
                      response_headers_to_add: [add('content-type', 'application/json', { append: false })],
                    },
                    {
                      match: { prefix: '/' },
                      route: { cluster: 'app' },
                      request_headers_to_add: [add('x-client-ip', '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%'), add('x-span', '%UPSTREAM_HOST%')],
                    },
                  ],
                }],
              },
            },
          }],
        }],
      }],
      clusters: [{ name: 'app', type: 'STATIC', load_assignment: { cluster_name: 'app', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.9', port_value: 80 } } } }] }] } }],
    },
  });
  const uri = 'file:///headers.json';
  const ws = new Workspace();
  ws.set(analyze(uri, dump));
  const run = (path: string, headers: Record<string, string> = {}) => traceRequest(ws, uri, dump, {
    direction: 'inbound', address: '10.0.0.5', port: 8080, sourceAddress: '192.168.1.7', http: { host: 'app.local', path, headers },
  });

  it('reports the changes in Envoy\'s order and the request headers it forwards', () => {
    const t = run('/api', { 'x-debug': '1', accept: '*/*' });
    const route = t.hops.find((h) => h.kind === 'route')!;
    assert.deepEqual(route.route!.headers!.request.map((c) => `${c.level} ${c.op} ${c.name}`), [
      'route append x-client-ip', 'route append x-span', 'virtual host remove x-debug', 'route configuration append x-global',
    ]);
    assert.deepEqual(route.route!.forwarded.headers, { accept: '*/*', 'x-client-ip': '192.168.1.7', 'x-span': '%UPSTREAM_HOST%', 'x-global': 'g' });
    assert.match(route.detail, / · request headers: add x-client-ip: %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%; add x-span: %UPSTREAM_HOST%; remove x-debug; add x-global: g · response headers: remove server$/);
    assert.ok(t.notes.some((n) => /command operators the trace cannot know/.test(n)), t.notes.join('\n'));
  });

  it('gives a direct response\'s headers: its body\'s, then the response changes; no request changes for it', () => {
    const t = run('/ping');
    const route = t.hops.find((h) => h.kind === 'route')!.route!;
    assert.deepEqual(route.directResponse, { status: 200, headers: { 'content-type': 'application/json', 'content-length': '4' } });
    assert.deepEqual(route.headers!.request, []);
    assert.equal(route.forwarded.headers, undefined);
    assert.deepEqual(route.headers!.response.map((c) => `${c.op} ${c.name}`), ['overwrite content-type', 'remove server']);
  });

  it('strips internal_only_headers from an external request before routing, and keeps them on an internal one', () => {
    const external = run('/api', { 'x-internal-user': 'ann' });
    const route = external.hops.find((h) => h.kind === 'route')!;
    assert.notEqual(route.name, 'internal-users');
    assert.equal(route.route!.forwarded.headers!['x-internal-user'], undefined);
    assert.ok(external.notes.some((n) => /strips x-internal-user from this external request before routing/.test(n)), external.notes.join('\n'));
    const internal = run('/api', { 'x-internal-user': 'ann', 'x-envoy-internal': 'true' });
    assert.equal(internal.hops.find((h) => h.kind === 'route')!.name, 'internal-users');
    assert.ok(!internal.notes.some((n) => /strips/.test(n)));
  });

  it('adds nothing to a route whose levels change no header', () => {
    const plain = dump.replace(/"(request|response)_headers_to_(add|remove)"|"internal_only_headers"/g, '"unused_$1_$2"');
    const w = new Workspace();
    w.set(analyze(uri, plain));
    const t = traceRequest(w, uri, plain, { direction: 'inbound', address: '10.0.0.5', port: 8080, http: { host: 'app.local', path: '/api' } });
    const route = t.hops.find((h) => h.kind === 'route')!;
    assert.equal(route.route!.headers, undefined);
    assert.equal(route.route!.forwarded.headers, undefined);
    assert.doesNotMatch(route.detail, /headers/);
  });
});
