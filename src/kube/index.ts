// Public surface of the Kubernetes layer (Node only; the editor adapter and the CLI import from here).
export { loadKubeConfig } from './kubeAccess';
export type { KubeAccess, KubeContextInfo, ListPodsOptions, NamespaceList } from './kubeAccess';
export type { LoadKubeConfigOptions, KubeConfigSource } from './kubeconfig';
export type { CallOptions } from './callScope';
export { DEFAULT_TIMEOUT_MS, formatBytes } from './callScope';
export type { FetchMethod, FetchOptions, FetchResult, FetchedBytes } from './fetchDump';
export { DEFAULT_MAX_BYTES, adminDumpPath, isFilterValue } from './fetchDump';
export type { EnvoyPod, EnvoyRole } from './pods';
export { ENVOY_CONTAINER, DEFAULT_ADMIN_PORT, describeEnvoyPod, findEnvoyContainer } from './pods';
export { KubeError, KubeConfigError, FetchError, isKubeError, CLI_OPTION_NAMES, SETTING_OPTION_NAMES, KUBE_ERROR_CODES } from './errors';
export type { KubeErrorCode, KubeWarning, OptionNames } from './errors';
export { writeFileAtomic, targetProblem } from './atomicWrite';
export { strictJsonProblem } from './strictJson';
export { isDnsLabel, isDnsSubdomain, checkName, fileTimestamp } from './names';
export { loadClientNode } from './clientLoader';
