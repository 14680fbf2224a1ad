// The two-pod cluster (app=server at .10, role=client at .12, dual stack) and the CiliumNetworkPolicy
// header the L7 tests share: ingress to the server from the client on the given toPorts entries.
import { clusterYaml } from "../cilium/helpers.js";

/** Pods `server` (10.244.0.10, fd00:10:244::10) and `client` (10.244.0.12, fd00:10:244::12). */
export const SERVER_CLIENT_CLUSTER = clusterYaml([
  { name: "server", labels: { app: "server" }, ips: ["10.244.0.10", "fd00:10:244::10"] },
  { name: "client", labels: { role: "client" }, ips: ["10.244.0.12", "fd00:10:244::12"] },
]);

/** A CNP `l7` letting the client reach the server on `toPorts` (YAML lines indented for `toPorts:`). */
export function serverIngressPolicy(toPorts: string): string {
  return `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l7, namespace: default}
spec:
  endpointSelector: {matchLabels: {app: server}}
  ingress:
  - fromEndpoints: [{matchLabels: {role: client}}]
    toPorts:
${toPorts}`;
}
