/**
 * The load balancers and private link services AKS creates in a cluster's node resource group,
 * shaped on `LoadBalancerCreateWithOutboundRules.json` (shared/reference/arm-examples/
 * Microsoft.Network/2024-03-01/); the private link service as HDInsight on AKS exposes a
 * private-ingress cluster through it (`CreateSparkClusterWithInternalIngress.json`).
 */
import type { EstateResource } from "../../estate.js";
import { given, ifExample, netId, type BodyStyle, type Tags } from "../ids.js";

/** A load-balancing rule and its health probe (the Kubernetes cloud provider names both `<frontend>-TCP-<port>`). */
function ruleAndProbe(
  style: BodyStyle,
  lb: { id: string; poolId: string },
  frontendName: string,
  port: number,
  probePort: number | undefined,
  disableOutboundSnat: boolean,
): { rule: Record<string, unknown>; probe: Record<string, unknown> } {
  const name = `${frontendName}-TCP-${port}`;
  const ruleId = `${lb.id}/loadBalancingRules/${name}`;
  const probeId = `${lb.id}/probes/${name}`;
  return {
    rule: {
      name,
      id: ruleId,
      ...ifExample(style, (ids) => ({ etag: ids.netEtag(`${lb.id}/${name}`), type: "Microsoft.Network/loadBalancers/loadBalancingRules" })),
      properties: {
        ...ifExample(style, () => ({ provisioningState: "Succeeded" })),
        frontendIPConfiguration: { id: `${lb.id}/frontendIPConfigurations/${frontendName}` },
        frontendPort: port,
        backendPort: port,
        ...ifExample(style, () => ({ enableFloatingIP: true, idleTimeoutInMinutes: 4 })),
        protocol: "Tcp",
        ...ifExample(style, () => ({ enableTcpReset: true, loadDistribution: "Default", disableOutboundSnat })),
        backendAddressPool: { id: lb.poolId },
        ...ifExample(style, () => ({ backendAddressPools: [{ id: lb.poolId }] })),
        probe: { id: probeId },
      },
    },
    probe: {
      name,
      id: probeId,
      ...ifExample(style, (ids) => ({ etag: ids.netEtag(`${lb.id}/probe/${name}`), type: "Microsoft.Network/loadBalancers/probes" })),
      properties: {
        ...ifExample(style, () => ({ provisioningState: "Succeeded" })),
        protocol: "Tcp",
        port: probePort,
        intervalInSeconds: 5,
        numberOfProbes: 2,
        ...ifExample(style, () => ({ probeThreshold: 1, loadBalancingRules: [{ id: ruleId }] })),
      },
    },
  };
}

/** A frontend of the public load balancer: a public IP and the rules that use it. */
interface PublicFrontendSpec {
  /** The frontend's name (AKS: `a` + the service uid for services, a GUID for the outbound IP). */
  frontendName: string;
  publicIpId: string;
}

/** What {@link aksPublicLoadBalancer} builds. */
export interface AksPublicLoadBalancerSpec {
  sub: string;
  /** The node resource group (`MC_...`). */
  rg: string;
  location: string;
  /** Written as the `aks-managed-cluster-name` / `-rg` tags when given. */
  clusterName?: string;
  clusterRg?: string;
  /**
   * The outbound frontend and its rule `aksOutboundRule` (loadBalancer egress). Absent for a
   * userDefinedRouting cluster, where AKS creates the load balancer only for its first public
   * LoadBalancer service. The rule's backend pool: default `aksOutboundBackendPool`.
   */
  outbound?: PublicFrontendSpec & { backendPoolName?: string };
  /** Public LoadBalancer services: one frontend each, a TCP rule per port (probe on its node port). */
  ingress?: Array<PublicFrontendSpec & { ports: number[]; nodePorts: Record<number, number> }>;
}

/**
 * The AKS-managed public standard load balancer `kubernetes` (`LoadBalancerCreateWithOutboundRules.json`):
 * the outbound frontend with its outbound rule, and the frontends of public LoadBalancer services
 * with their load-balancing rules and probes. Lean: frontends (no back-references), backend pools
 * by name, the rules and probes, the outbound rule.
 */
export function aksPublicLoadBalancer(style: BodyStyle, spec: AksPublicLoadBalancerSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "loadBalancers", "kubernetes");
  const example = style.detail === "example";
  const fe = (name: string) => `${id}/frontendIPConfigurations/${name}`;
  const poolId = `${id}/backendAddressPools/kubernetes`;
  const outboundPoolName = spec.outbound?.backendPoolName ?? "aksOutboundBackendPool";
  const outboundPoolId = `${id}/backendAddressPools/${outboundPoolName}`;
  const outboundRuleId = `${id}/outboundRules/aksOutboundRule`;
  const ingress = spec.ingress ?? [];
  const pairs = ingress.flatMap((ing) =>
    ing.ports.map((port) => ruleAndProbe(style, { id, poolId }, ing.frontendName, port, ing.nodePorts[port], true)),
  );
  const lbRules = pairs.map((p) => p.rule);
  const outboundRuleRefs = { outboundRules: [{ id: outboundRuleId }] };
  const frontend = (f: PublicFrontendSpec, backRefs: Record<string, unknown>) => ({
    name: f.frontendName,
    id: fe(f.frontendName),
    ...ifExample(style, (ids) => ({ type: "Microsoft.Network/loadBalancers/frontendIPConfigurations", etag: ids.netEtag(fe(f.frontendName)) })),
    properties: { ...ifExample(style, () => ({ provisioningState: "Succeeded" })), publicIPAddress: { id: f.publicIpId }, ...(example ? backRefs : {}) },
  });
  const pool = (name: string, poolRef: string, backRefs: Record<string, unknown>) => ({
    name,
    id: poolRef,
    ...(example
      ? {
          etag: style.ids.netEtag(poolRef),
          type: "Microsoft.Network/loadBalancers/backendAddressPools",
          properties: { provisioningState: "Succeeded", ...backRefs },
        }
      : {}),
  });
  const outboundIsMainPool = spec.outbound !== undefined && outboundPoolName === "kubernetes";
  return {
    name: "kubernetes",
    id,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    type: "Microsoft.Network/loadBalancers",
    location: spec.location,
    ...(spec.clusterName !== undefined ? { tags: { "aks-managed-cluster-name": spec.clusterName, "aks-managed-cluster-rg": spec.clusterRg } } : {}),
    sku: { name: "Standard", ...ifExample(style, () => ({ tier: "Regional" })) },
    properties: {
      provisioningState: "Succeeded",
      ...ifExample(style, (ids) => ({ resourceGuid: ids.guid(`rguid/${id}`) })),
      frontendIPConfigurations: [
        ...(spec.outbound ? [frontend(spec.outbound, outboundRuleRefs)] : []),
        ...ingress.map((ing) =>
          frontend(ing, { loadBalancingRules: ing.ports.map((p) => ({ id: `${id}/loadBalancingRules/${ing.frontendName}-TCP-${p}` })) }),
        ),
      ],
      backendAddressPools: [
        pool("kubernetes", poolId, { loadBalancingRules: lbRules.map((r) => ({ id: r.id })), ...(outboundIsMainPool ? outboundRuleRefs : {}) }),
        ...(spec.outbound && !outboundIsMainPool ? [pool(outboundPoolName, outboundPoolId, outboundRuleRefs)] : []),
      ],
      ...(example || lbRules.length ? { loadBalancingRules: lbRules, probes: pairs.map((p) => p.probe) } : {}),
      ...ifExample(style, () => ({ inboundNatRules: [] })),
      ...(spec.outbound
        ? {
            outboundRules: [
              {
                name: "aksOutboundRule",
                id: outboundRuleId,
                ...ifExample(style, (ids) => ({ type: "Microsoft.Network/loadBalancers/outboundRules", etag: ids.netEtag(outboundRuleId) })),
                properties: {
                  ...ifExample(style, () => ({ provisioningState: "Succeeded" })),
                  allocatedOutboundPorts: 0,
                  protocol: "All",
                  ...ifExample(style, () => ({ enableTcpReset: true, idleTimeoutInMinutes: 30 })),
                  backendAddressPool: { id: outboundPoolId },
                  frontendIPConfigurations: [{ id: fe(spec.outbound.frontendName) }],
                },
              },
            ],
          }
        : ifExample(style, () => ({ outboundRules: [] }))),
      ...ifExample(style, () => ({ inboundNatPools: [] })),
    },
  };
}

/** A private frontend of the internal load balancer (one per internal LoadBalancer service). */
export interface InternalFrontendSpec {
  frontendName: string;
  privateIp: string;
}

/** What {@link aksInternalLoadBalancer} builds. */
export interface AksInternalLoadBalancerSpec {
  sub: string;
  /** The node resource group (`MC_...`). */
  rg: string;
  location: string;
  /** The subnet of the private frontends (the cluster's subnet). */
  subnetId: string;
  services: InternalFrontendSpec[];
}

/**
 * The AKS-managed internal load balancer `kubernetes-internal`: a static private frontend per
 * internal service in the cluster subnet, each with a TCP 443 rule and probe (node port 31443).
 * Lean: the frontends only (what the DNS checks compare a record with).
 */
export function aksInternalLoadBalancer(style: BodyStyle, spec: AksInternalLoadBalancerSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "loadBalancers", "kubernetes-internal");
  const poolId = `${id}/backendAddressPools/kubernetes`;
  const pairs = spec.services.map((s) => ruleAndProbe(style, { id, poolId }, s.frontendName, 443, 31443, false));
  return {
    name: "kubernetes-internal",
    id,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    type: "Microsoft.Network/loadBalancers",
    location: spec.location,
    sku: { name: "Standard", ...ifExample(style, () => ({ tier: "Regional" })) },
    properties: {
      provisioningState: "Succeeded",
      ...ifExample(style, (ids) => ({ resourceGuid: ids.guid(`rguid/${id}`) })),
      frontendIPConfigurations: spec.services.map((s, i) => {
        const fe = `${id}/frontendIPConfigurations/${s.frontendName}`;
        return {
          name: s.frontendName,
          id: fe,
          ...ifExample(style, (ids) => ({ type: "Microsoft.Network/loadBalancers/frontendIPConfigurations", etag: ids.netEtag(fe) })),
          properties: {
            ...ifExample(style, () => ({ provisioningState: "Succeeded" })),
            privateIPAddress: s.privateIp,
            privateIPAllocationMethod: "Static",
            subnet: { id: spec.subnetId },
            ...ifExample(style, () => ({ privateIPAddressVersion: "IPv4", loadBalancingRules: [{ id: pairs[i]!.rule.id }] })),
          },
        };
      }),
      ...ifExample(style, (ids) => ({
        backendAddressPools: [
          {
            name: "kubernetes",
            id: poolId,
            etag: ids.netEtag(poolId),
            type: "Microsoft.Network/loadBalancers/backendAddressPools",
            properties: { provisioningState: "Succeeded", loadBalancingRules: pairs.map((p) => ({ id: p.rule.id })) },
          },
        ],
        loadBalancingRules: pairs.map((p) => p.rule),
        probes: pairs.map((p) => p.probe),
        inboundNatRules: [],
        outboundRules: [],
        inboundNatPools: [],
      })),
    },
  };
}

/** What {@link privateLinkService} builds. */
export interface PrivateLinkServiceSpec {
  sub: string;
  /** The node resource group (`MC_...`). */
  rg: string;
  name: string;
  location: string;
  /** The internal load balancer frontend it exposes. */
  frontendId: string;
  /** The subnet of its NAT IP configuration (example bodies). */
  subnetId?: string;
  /** Example bodies: the name of its IP configuration. */
  ipConfigurationName?: string;
  /** The Kubernetes service it belongs to (`<namespace>/<name>`): the `k8s-azure-owner-service` tag. */
  ownerService?: string;
  tags?: Tags;
}

/**
 * A private link service in front of an internal load balancer frontend, as the Kubernetes
 * cloud provider creates it for HDInsight's private ingress. Lean: the frontend reference.
 */
export function privateLinkService(style: BodyStyle, spec: PrivateLinkServiceSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "privateLinkServices", spec.name);
  const ipConfigName = spec.ipConfigurationName ?? `${spec.name}-ipconfig`;
  const tags = spec.ownerService !== undefined ? { "k8s-azure-owner-service": spec.ownerService, "k8s-azure-cluster-name": "kubernetes" } : spec.tags;
  return {
    name: spec.name,
    id,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    type: "Microsoft.Network/privateLinkServices",
    location: spec.location,
    ...given("tags", tags),
    properties: {
      provisioningState: "Succeeded",
      loadBalancerFrontendIpConfigurations: [{ id: spec.frontendId }],
      ...ifExample(style, (ids) => ({
        ipConfigurations: [
          {
            name: ipConfigName,
            id: `${id}/ipConfigurations/${ipConfigName}`,
            etag: ids.netEtag(`${id}/ipconfig`),
            type: "Microsoft.Network/privateLinkServices/ipConfigurations",
            properties: {
              provisioningState: "Succeeded",
              privateIPAllocationMethod: "Dynamic",
              subnet: { id: spec.subnetId },
              primary: true,
              privateIPAddressVersion: "IPv4",
            },
          },
        ],
        visibility: { subscriptions: [] },
        autoApproval: { subscriptions: [] },
        enableProxyProtocol: false,
        alias: `${spec.name}.${ids.guid(`plsalias/${id}`)}.${spec.location}.azure.privatelinkservice`,
        privateEndpointConnections: [],
      })),
    },
  };
}
