/** Envoy's endpoint health, one definition for the index, the trace, hover and the editor's views. */

/** Health statuses under which Envoy sends traffic to a host: HEALTHY, and UNKNOWN (no health checking). */
const TAKES_TRAFFIC: ReadonlySet<string> = new Set(['HEALTHY', 'UNKNOWN']);

/** Whether Envoy sends traffic to an endpoint of this health status. */
export function takesTraffic(status: string): boolean {
  return TAKES_TRAFFIC.has(status);
}
