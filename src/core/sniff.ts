/**
 * A cheap look at the start of a file: is it an Envoy dump or config? The editor attaches language features only to
 * such files, so ordinary JSON and YAML (package.json, Kubernetes manifests) see nothing from us.
 */

/** Keys and type URLs found near the top of every shape we read, in both casings. */
const MARKERS =
  /type\.googleapis\.com\/envoy\.|envoy\.admin\.v|static_resources|staticResources|dynamic_resources|dynamicResources|filter_?[cC]hains|virtual_?[hH]osts|cluster_?[sS]tatuses|host_?[sS]tatuses|listener_?[sS]tatuses|route_?[cC]onfig_?[nN]ame|eds_?[cC]luster_?[cC]onfig|lb_?[eE]ndpoints|connect_?[tT]imeout|(dynamic|static)_?([aA]ctive_?)?([lL]isteners|[cC]lusters|[rR]oute_?[cC]onfigs|[sS]ecrets)/;

/** How much of the file the sniff reads. */
export const SNIFF_BYTES = 8192;

/** Whether the first few KB look like an Envoy config dump, istioctl output or Envoy bootstrap. */
export function looksLikeEnvoy(head: string): boolean {
  return MARKERS.test(head.length > SNIFF_BYTES ? head.slice(0, SNIFF_BYTES) : head);
}
