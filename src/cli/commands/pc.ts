/** `envoy-lens pc KIND FILE...` (alias `proxy-config`): istioctl's `proxy-config` tables, from files, offline. */
import {
  PC_FLAGS,
  PC_KINDS,
  PC_OUTPUTS,
  pcJson,
  pcParts,
  pcYaml,
  readValue,
  renderProxyConfig,
  selectProxyConfig,
  type PcFilters,
  type PcKind,
  type PcParts,
} from '../../core/facade';
import { EXIT_INPUT, EXIT_OK, UsageError, oneOf, str, type Command, type Flag, type Values } from '../command';
import { load } from '../load';
import { FILES_NOTE, MAX_SIZE, RECURSIVE, maxSizeOf } from './common';

/** istioctl's names for each kind (`istioctl pc listeners`, `pc l`, `pc eds` …). */
const KIND_NAMES: Record<string, PcKind> = {
  listener: 'listener', listeners: 'listener', l: 'listener',
  route: 'route', routes: 'route', r: 'route',
  cluster: 'cluster', clusters: 'cluster', c: 'cluster',
  endpoint: 'endpoint', endpoints: 'endpoint', ep: 'endpoint', eds: 'endpoint',
  secret: 'secret', secrets: 'secret', s: 'secret',
  ecds: 'ecds',
  bootstrap: 'bootstrap', b: 'bootstrap',
  all: 'all', a: 'all',
};

const FILTER_FLAGS: Record<keyof PcFilters, Flag> = {
  port: { name: 'port', value: 'PORT', help: 'listener: the listener port; cluster: the port in the cluster name;\nendpoint: the endpoint port.' },
  address: { name: 'address', value: 'ADDRESS', help: 'listener, endpoint: the address (endpoint from a config dump: ip:port).' },
  type: { name: 'type', value: 'TYPE', help: 'listener: HTTP, TCP, HTTP+TCP or UNKNOWN.' },
  verbose: { name: 'verbose', value: 'true|false', help: 'listener, route: the long form (default true; a bare --verbose is true).' },
  name: { name: 'name', value: 'NAME', help: 'route: the route configuration name.' },
  fqdn: { name: 'fqdn', value: 'FQDN', help: 'cluster: a substring of the cluster name (its service FQDN).' },
  subset: { name: 'subset', value: 'SUBSET', help: 'cluster: a substring of the cluster name (its subset).' },
  direction: { name: 'direction', value: 'DIRECTION', help: 'cluster: inbound, outbound, inbound-vip … (a substring).' },
  cluster: { name: 'cluster', value: 'CLUSTER', help: 'endpoint: the cluster name (any case).' },
  withHeaders: { name: 'with-headers', help: 'all: a heading over each table.' },
  status: { name: 'status', value: 'STATUS', help: 'endpoint: HEALTHY, UNHEALTHY, DRAINING, TIMEOUT, DEGRADED or UNKNOWN.' },
};

const OUTPUT: Flag = { name: 'output', short: 'o', value: 'short|json|yaml', help: 'short: the table (default; bootstrap: json);\njson, yaml: the selected resources, as istioctl prints them.' };
const FILE: Flag = { name: 'file', short: 'f', value: 'FILE', multiple: true, help: 'A dump to read, as istioctl spells it (same as a FILE operand).' };
/** Flags every kind takes. */
const COMMON = ['output', 'file', 'recursive', 'max-size', 'help'];

const WHAT: Record<PcKind, string> = {
  listener: 'ADDRESSES PORT MATCH DESTINATION (--verbose=false: ADDRESSES PORT TYPE)',
  route: 'NAME VHOST NAME DOMAINS MATCH VIRTUAL SERVICE (--verbose=false: NAME VIRTUAL HOSTS)',
  cluster: 'SERVICE FQDN PORT SUBSET DIRECTION TYPE DESTINATION RULE',
  endpoint: 'ENDPOINT STATUS OUTLIER CHECK CLUSTER from /clusters?format=json;\n            NAME STATUS LOCALITY CLUSTER from a config dump (istioctl pc eds)',
  secret: 'RESOURCE NAME TYPE STATUS VALID CERT SERIAL NUMBER NOT AFTER NOT BEFORE',
  ecds: 'ECDS NAME TYPE',
  bootstrap: 'the bootstrap as json (-o short: Istio and Envoy versions)',
  all: 'bootstrap versions, clusters, listeners, routes, secrets, endpoints',
};

const kindsHelp = PC_KINDS.map((k) => {
  const flags = PC_FLAGS[k].map((f) => `--${FILTER_FLAGS[f].name}`).join(' ');
  return `  ${k.padEnd(10)}${WHAT[k]}${flags ? `\n${''.padEnd(12)}flags: ${flags}` : ''}`;
}).join('\n');

function filtersOf(values: Values, kind: PcKind): PcFilters {
  const given = Object.keys(values).filter((k) => values[k] !== undefined && !COMMON.includes(k));
  const allowed = PC_FLAGS[kind].map((k) => FILTER_FLAGS[k].name);
  const bad = given.find((k) => !allowed.includes(k));
  if (bad) {
    const takes = allowed.length ? `takes ${allowed.map((x) => `--${x}`).join(', ')}` : 'takes no filter';
    throw new UsageError(`--${bad} is not a filter of pc ${kind} (it ${takes}).`, 'pc');
  }
  const f: PcFilters = {};
  const port = str(values, 'port');
  if (port !== undefined) {
    if (!/^\d+$/.test(port) || Number(port) > 65535) throw new UsageError(`--port must be a port number, not "${port}".`, 'pc');
    f.port = Number(port);
  }
  for (const k of ['address', 'type', 'name', 'fqdn', 'subset', 'direction', 'cluster', 'status'] as const) {
    const v = str(values, k);
    if (v !== undefined) f[k] = v;
  }
  if (values['with-headers'] === true) f.withHeaders = true;
  if (values.verbose !== undefined) f.verbose = oneOf(values, 'verbose', ['true', 'false'] as const, 'true', 'pc') === 'true';
  return f;
}

/** What a file lacks for a kind, in istioctl's words (`no listeners found`), or undefined when it has the section. */
function missing(kind: PcKind, p: PcParts): string | undefined {
  switch (kind) {
    case 'listener':
      return p.listeners?.length ? undefined : 'no listeners found';
    case 'route':
      return p.routes?.length ? undefined : 'no routes found';
    case 'cluster':
      return p.clusters?.length ? undefined : 'no clusters found';
    case 'endpoint':
      return p.endpoints || p.clusterStatuses ? undefined : 'no endpoints found (a config dump needs ?include_eds, or give /clusters?format=json)';
    case 'ecds':
      return p.ecds ? undefined : 'no ECDS config dump found';
    case 'bootstrap':
      return p.bootstrapDump ? undefined : 'no bootstrap found';
    default:
      return undefined;
  }
}

export const pcCommand: Command = {
  name: 'pc',
  aliases: ['proxy-config'],
  summary: "istioctl's proxy-config tables: listener, route, cluster, endpoint, secret, ecds, bootstrap, all.",
  synopsis: 'KIND [options] FILE...',
  description: `Prints what "istioctl proxy-config KIND --file FILE" prints: the same columns, wording, sorting and filters,
read from the files, offline. KIND (istioctl's short names work too: l, r, c, ep, eds, s, b, a):
${kindsHelp}
A filter another kind takes is a usage error.
${FILES_NOTE}`,
  flags: [OUTPUT, ...Object.values(FILTER_FLAGS), FILE, RECURSIVE, MAX_SIZE],
  exitCodes: 'Exit codes: 0 printed, 2 usage error, 3 an input could not be used or holds nothing of KIND.',
  preprocess(args) {
    return args.map((a) => (a === '--verbose' ? '--verbose=true' : a));
  },
  run(values, operands, io) {
    const [word, ...rest] = operands;
    if (word === undefined) throw new UsageError(`pc needs a KIND (${PC_KINDS.join(', ')}) and a FILE.`, 'pc');
    const kind = KIND_NAMES[word];
    if (!kind) throw new UsageError(`"${word}" is not a KIND of pc: ${PC_KINDS.join(', ')}.`, 'pc');
    const filters = filtersOf(values, kind);
    const output = oneOf(values, 'output', PC_OUTPUTS, kind === 'bootstrap' ? 'json' : 'short', 'pc');
    const files = [...((values.file as string[] | undefined) ?? []), ...rest];
    if (files.length === 0) throw new UsageError(`pc ${kind} needs at least one FILE.`, 'pc');
    const { loaded, failed, ws } = load(files, io, maxSizeOf(values, 'pc'), { endpointSamples: Infinity, recursive: values.recursive === true });
    let empty = 0;
    for (const l of loaded) {
      const value = readValue(l.bytes);
      const parts = pcParts(value);
      const lacks = missing(kind, parts);
      if (lacks) {
        io.err(`envoy-lens: ${l.path}: ${lacks}.`);
        empty++;
        continue;
      }
      if (loaded.length > 1) io.out(`== ${l.path}`);
      if (output === 'short') {
        io.out(renderProxyConfig(kind, { parts, ws, analysis: l.analysis }, filters).replace(/\n$/, ''));
      } else if (kind === 'all') {
        // istioctl prints the file itself.
        io.out(output === 'json' ? l.bytes.toString('utf8').trimEnd() : pcYaml(value, false));
      } else {
        const selected = selectProxyConfig(kind, parts, filters);
        io.out(output === 'json' ? pcJson(selected) : pcYaml(selected));
      }
    }
    return failed > 0 || (loaded.length > 0 && empty === loaded.length) ? EXIT_INPUT : EXIT_OK;
  },
};
