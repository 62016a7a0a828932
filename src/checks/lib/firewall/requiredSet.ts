/**
 * The dependencies a target's firewall must allow (`firewall-required-egress`): the AKS part (the
 * cluster's own dependency list, or the documented list as floor and fallback: `dependencies.ts`),
 * the HDInsight on AKS common list and cluster-type extras for pools (reference §3), and the
 * baseline's extras. Requirement objects, reasons and items are shared across targets (a scan of
 * thousands of targets holds every finding at once). Pure.
 */
import type { ReadError, Snapshot, Target } from "../../../model/snapshot.js";
import type { BaselineRules } from "../../../baseline/baseline.js";
import { regionOf } from "../names.js";
import { aksClusterOf, poolClustersOf } from "../target.js";
import { AKS_FQDN_TAG, aksDependenciesOf } from "./dependencies.js";
import { describeRequirement, requirementKey } from "./requirements.js";
import type { EgressRequirement } from "./requirements.js";

/** A dependency the firewall must allow, and why. */
export interface Needed {
  /** Stable finding item. */
  item: string;
  /** The dependency; undefined when it could not be formed (`unresolved` says why). */
  req?: EgressRequirement;
  /** Human label when `req` is undefined. */
  label: string;
  neededBy: string[];
  /** The dependency-list category it comes from (`images`, an add-on's), for the evidence. */
  category?: string;
  /** Why the dependency itself is unknown (e.g. the AKS API server FQDN could not be read). */
  unresolved?: ReadError;
  /** Set when it is unknown whether the dependency is required at all (cluster types unreadable). */
  conditional?: ReadError;
}

/** What a target needs, and which AKS list it came from. */
export interface RequiredSet {
  needed: Needed[];
  /** Evidence on every finding of the target: which list was used and why (`dependencies.ts`). */
  listEvidence: Record<string, unknown>;
}

/** The finding item of the cluster's dependency list when it could not be read. */
export const DEPENDENCY_LIST_ITEM = "aks-dependency-list";

/**
 * Requirement objects are shared by every target that needs them (their evidence points at
 * them; nothing changes them). Keyed by what makes them: a bounded set (the fixed list, and per
 * region the service tags), so a module-level table does not grow with scans.
 */
const requirements = new Map<string, EgressRequirement>();
function requirement(req: EgressRequirement): EgressRequirement {
  const key = `${req.kind}|${req.destination}|${req.protocol}|${req.port}|${req.portEnd ?? ""}|${req.description ?? ""}`;
  let kept = requirements.get(key);
  if (kept === undefined) requirements.set(key, (kept = req));
  return kept;
}

/** A requirement's finding item and label, made once per (shared) requirement object. */
const itemsAndLabels = new WeakMap<EgressRequirement, { item: string; label: string }>();
function itemAndLabel(req: EgressRequirement): { item: string; label: string } {
  let v = itemsAndLabels.get(req);
  if (v === undefined) itemsAndLabels.set(req, (v = { item: requirementKey(req), label: describeRequirement(req) }));
  return v;
}

const HTTPS = (destination: string, description: string): EgressRequirement => requirement({
  kind: "fqdn",
  destination,
  protocol: "Https",
  port: 443,
  description,
});

/** Options of {@link requiredSet}. */
export interface RequiredSetOptions {
  includeHive: boolean;
  includeOptional: boolean;
}

/** The dependencies a target needs: the AKS part, the HDInsight common list and cluster-type extras, baseline extras. */
export function requiredSet(snapshot: Snapshot, target: Target, rules: BaselineRules, options: RequiredSetOptions): RequiredSet {
  const aks = aksClusterOf(snapshot, target);
  const region = regionOf(target.location !== "" ? target.location : aks.ok ? aks.value.location : "");
  const list: Needed[] = [];
  // Built-in requirements come shared (see `requirement`); baseline extras are the baseline's own.
  const add = (req: EgressRequirement, neededBy: string, extra: { conditional?: ReadError; category?: string } = {}): void => {
    const { item, label } = itemAndLabel(req);
    const existing = list.find((n) => n.item === item);
    if (existing !== undefined) {
      if (!existing.neededBy.includes(neededBy)) existing.neededBy.push(neededBy);
      if (extra.conditional === undefined) delete existing.conditional;
      return;
    }
    const n: Needed = { item, req, label, neededBy: [neededBy] };
    if (extra.conditional !== undefined) n.conditional = extra.conditional;
    if (extra.category !== undefined) n.category = extra.category;
    list.push(n);
  };
  const common = target.kind === "clusterPool" ? "the HDInsight on AKS common list" : "AKS";
  const poolPrivate = target.pool?.enablePrivateApiServer === true;
  const apiServerPrivate = poolPrivate || (aks.ok && aks.value.enablePrivateCluster === true);
  const deps = aksDependenciesOf(snapshot, aks, apiServerPrivate, options.includeOptional);

  // The AKS core endpoints: the FQDN tag as the documented list names them, or each endpoint of the
  // cluster's own list (the tag still allows the categories it covers).
  if (!deps.fromCluster) {
    add(requirement({ kind: "fqdnTag", destination: AKS_FQDN_TAG, protocol: "Https", port: 443, description: "AKS base requirements" }), common);
  }
  if (target.kind === "clusterPool") {
    add(HTTPS("hiloprodrpacr00.azurecr.io", "HDInsight on AKS image metadata"), common);
    add(HTTPS("*.blob.core.windows.net", "setup and monitoring"), common);
    add(HTTPS("graph.microsoft.com", "authentication"), common);
    add(HTTPS("*.servicebus.windows.net", "monitoring"), common);
    add(HTTPS("*.table.core.windows.net", "monitoring"), common);
    add(HTTPS("gcs.prod.monitoring.core.windows.net", "monitoring"), common);
  }
  add(requirement({ kind: "serviceTag", destination: `AzureCloud.${region}`, protocol: "UDP", port: 1194, description: "node to control plane tunnel" }), common);
  add(requirement({ kind: "serviceTag", destination: `AzureCloud.${region}`, protocol: "TCP", port: 9000, description: "node to control plane tunnel" }), common);

  // The AKS API server FQDN on TCP 443, unless the API server is private (reached in the VNet, not through the firewall).
  const apiItem = "aks-api-server TCP:443";
  if (!aks.ok) {
    if (!poolPrivate) list.push({ item: apiItem, label: "AKS API server FQDN TCP:443", neededBy: [common], unresolved: aks.error });
  } else if (!apiServerPrivate) {
    if (aks.value.fqdn === undefined || aks.value.fqdn === "") {
      list.push({
        item: apiItem,
        label: "AKS API server FQDN TCP:443",
        neededBy: [common],
        unresolved: { code: "NotCollected", message: `AKS cluster ${aks.value.name} returned no fqdn`, scope: aks.value.id },
      });
    } else {
      list.push({
        item: apiItem,
        req: { kind: "fqdn", destination: aks.value.fqdn, protocol: "TCP", port: 443, description: `API server of AKS cluster ${aks.value.name}` },
        label: `AKS API server ${aks.value.fqdn} TCP:443`,
        neededBy: [common],
      });
    }
  }
  for (const e of deps.endpoints) add(e.req, `AKS cluster API: ${e.category}`, { category: e.category });
  if (deps.listError !== undefined) {
    list.push({
      item: DEPENDENCY_LIST_ITEM,
      label: "outbound dependency list of its AKS cluster (add-on and feature endpoints beyond the documented list)",
      neededBy: ["AKS cluster API"],
      unresolved: deps.listError,
    });
  }

  if (target.kind === "clusterPool") {
    const clusters = poolClustersOf(target);
    if (!clusters.ok) {
      // Which cluster types exist is unknown: every extra is judged, and only an allowed one passes.
      for (const type of ["Spark", "Trino", "Flink"]) {
        for (const req of extrasOf(type, region, options.includeHive)) add(req, `${type} clusters (if any)`, { conditional: clusters.error });
      }
    } else {
      for (const c of clusters.value) {
        const type = ["Spark", "Trino", "Flink"].find((t) => t.toLowerCase() === (c.clusterType ?? "").toLowerCase());
        if (type === undefined) continue;
        for (const req of extrasOf(type, region, options.includeHive)) add(req, `${type} cluster ${c.name}`);
      }
    }
  }
  for (const extra of rules.extraRequiredEgress ?? []) add(extra, "baseline extraRequiredEgress");
  // Targets need the same dependencies for the same reasons: their evidence shares one list of
  // reasons per set of reasons (10,000 targets: 130,000 lists otherwise).
  const shared = sharedParts(snapshot);
  for (const n of list) n.neededBy = shared.once(n.neededBy.join("\n"), n.neededBy);
  const listEvidence = shared.once(`list|${deps.requiredListSource}|${deps.notes.join("|")}`, {
    requiredListSource: deps.requiredListSource,
    ...(deps.notes.length > 0 ? { requiredListNotes: deps.notes } : {}),
  });
  return { needed: list, listEvidence };
}

/** Values equal by their key, kept once per snapshot (a scan) and shared; never changed after. */
class SharedParts {
  readonly #values = new Map<string, unknown>();
  once<T>(key: string, value: T): T {
    if (this.#values.has(key)) return this.#values.get(key) as T;
    this.#values.set(key, value);
    return value;
  }
}
const sharedBySnapshot = new WeakMap<Snapshot, SharedParts>();
function sharedParts(snapshot: Snapshot): SharedParts {
  let shared = sharedBySnapshot.get(snapshot);
  if (!shared) sharedBySnapshot.set(snapshot, (shared = new SharedParts()));
  return shared;
}

/** The per-cluster-type extras (reference §3.2); the Hive ones only with `includeHiveDependencies`. */
function extrasOf(type: string, region: string, includeHive: boolean): EgressRequirement[] {
  const dfs = HTTPS("*.dfs.core.windows.net", "ADLS Gen2 storage");
  const sqlFqdn = requirement({ kind: "fqdn", destination: "*.database.windows.net", protocol: "Mssql", port: 1433, description: "Hive metastore (Azure SQL)" });
  const sqlRedirect = requirement({
    kind: "serviceTag",
    destination: `Sql.${region}`,
    protocol: "TCP",
    port: 11000,
    portEnd: 11999,
    description: "Hive metastore: Azure SQL redirect policy",
  });
  const hive = includeHive ? [sqlFqdn, sqlRedirect] : [];
  switch (type) {
    case "Spark":
      return [dfs, requirement({ kind: "serviceTag", destination: `Storage.${region}`, protocol: "TCP", port: 445, description: "SMB to Azure Files" }), ...hive];
    case "Trino":
      return includeHive ? [dfs, ...hive] : [];
    default:
      return [dfs];
  }
}
