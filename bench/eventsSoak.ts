/**
 * The changes of `npm run bench:events`: which resources of the generated estate are changed and
 * how, made through the emulator with the real SDK (`@azure/arm-network` long-running operations,
 * as a pipeline or a person in the portal would make them).
 *
 * - single writes on per-target resources: the default route of a seeded route table sent back to
 *   the firewall (resolves drift) and to `Internet` again (introduces it); an inbound Allow from
 *   `Internet` to TCP 22 added to (introduces) and deleted from (resolves) the agent-pool NSG AKS
 *   puts in a target's MC group;
 * - bursts of 20 writes within a second on the hub policy's rule collection group, which every
 *   firewalled target reads: the first write adds (or removes) an allow-everything rule
 *   collection, the 19 after it edit a harmless rule's description (no finding changes);
 * - writes no target depends on: route tables created and retagged in `rg-net` that no subnet uses.
 */
import { readFileSync } from "node:fs";
import type { FirewallPolicyRuleCollectionGroup } from "@azure/arm-network";
import { ArmClients } from "../src/arm/clients.js";
import { readArmSettings } from "../src/config/settings.js";
import type { GeneratedEstate } from "./generate.js";
import { HUB_FW_IP } from "./generateShapes.js";

/** What a step does to drift. */
export type Effect = "introduce" | "resolve" | "none";

/** One step of the soak: a single write, a burst or an unrelated write. */
export interface Step {
  index: number;
  kind: "route" | "nsg" | "burst" | "unrelated";
  effect: Effect;
  /** The per-target resource's target (name), for route and nsg steps. */
  target?: string;
  /** The resource written (the first of a burst). */
  resourceId: string;
  /** Writes the step makes. */
  writes: number;
  /** When its (first) write was sent, `Date.now()`; set when it runs. */
  writeAt?: number;
  /** When its writes were all answered. */
  doneAt?: number;
  error?: string;
}

/** A per-target resource the singles toggle. */
interface Toggle {
  kind: "route" | "nsg";
  target: string;
  sub: string;
  rg: string;
  /** Route table or NSG name. */
  parent: string;
  /** Route or security rule name. */
  child: string;
  /** Drift present now (the next step resolves it). */
  drifted: boolean;
}

const NSG_RULE = "bench-allow-ssh-from-internet";

/** The soak's resources, picked from the generated estate (deterministic). */
export interface SoakResources {
  toggles: Toggle[];
  policy: { sub: string; rg: string; name: string; rcg: string };
  subscriptions: string[];
}

/** Picks the resources: every seeded route table, and `nsgTargets` MC-group NSGs of targets without seeded drift. */
export function pickResources(generated: GeneratedEstate, nsgTargets: number): SoakResources {
  const parse = (id: string) => {
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)/i.exec(id)!;
    return { sub: m[1]!, rg: m[2]!, name: m[3]! };
  };
  const seeded = new Set(generated.seeded.map((d) => d.target));
  const toggles: Toggle[] = [];
  for (const r of generated.estate.resources) {
    if (r.type !== "Microsoft.Network/routeTables") continue;
    const p = parse(r.id);
    if (!p.name.startsWith("rt-") || p.name === "rt-egress") continue;
    toggles.push({ kind: "route", target: p.name.slice(3), sub: p.sub, rg: p.rg, parent: p.name, child: "default-to-internet", drifted: true });
  }
  const clusters = generated.estate.resources.filter((r) => r.type.toLowerCase() === "microsoft.containerservice/managedclusters" && !seeded.has(r.name));
  const every = Math.max(1, Math.floor(clusters.length / nsgTargets));
  const nsgs = new Map(generated.estate.resources.filter((r) => r.type === "Microsoft.Network/networkSecurityGroups").map((r) => [parse(r.id).rg.toLowerCase(), r]));
  for (let i = 0; i < clusters.length && toggles.filter((t) => t.kind === "nsg").length < nsgTargets; i += every) {
    const c = clusters[i]!;
    const mcRg = (c.properties as { nodeResourceGroup?: string }).nodeResourceGroup ?? "";
    const nsg = nsgs.get(mcRg.toLowerCase());
    if (!nsg) continue;
    const p = parse(nsg.id);
    toggles.push({ kind: "nsg", target: c.name, sub: p.sub, rg: p.rg, parent: p.name, child: NSG_RULE, drifted: false });
  }
  const policy = generated.estate.resources.find((r) => r.type === "Microsoft.Network/firewallPolicies")!;
  const pp = parse(policy.id);
  return { toggles, policy: { sub: pp.sub, rg: pp.rg, name: pp.name, rcg: "rcg-egress" }, subscriptions: generated.estate.subscriptions.map((s) => s.subscriptionId) };
}

/** Writes through the SDK against the emulator (trusting its CA bundle; no read budget: these are writes). */
export class SoakWriter {
  readonly #clients: ArmClients;
  readonly #resources: SoakResources;
  #rcg: FirewallPolicyRuleCollectionGroup | undefined;
  #unrelated = 0;
  #notes = 0;

  constructor(endpoint: string, caBundlePath: string, resources: SoakResources) {
    const settings = readArmSettings({}, { endpoint, staticToken: "egress-audit-bench" });
    this.#clients = new ArmClients(settings, { caCertificates: [readFileSync(caBundlePath, "utf8")], readBudget: false, maxRetries: 2 });
    this.#resources = resources;
  }

  /** The ARM id a toggle writes. */
  static idOf(t: Toggle): string {
    const type = t.kind === "route" ? "routeTables" : "networkSecurityGroups";
    const child = t.kind === "route" ? "routes" : "securityRules";
    return `/subscriptions/${t.sub}/resourceGroups/${t.rg}/providers/Microsoft.Network/${type}/${t.parent}/${child}/${t.child}`;
  }

  /** Flips a toggle: the route to the firewall or to Internet; the NSG rule added or deleted. Returns the effect. */
  async toggle(t: Toggle): Promise<Effect> {
    const net = this.#clients.network(t.sub);
    const effect: Effect = t.drifted ? "resolve" : "introduce";
    const poll = { updateIntervalInMs: 100 };
    if (t.kind === "route") {
      const route = t.drifted
        ? { addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: HUB_FW_IP }
        : { addressPrefix: "0.0.0.0/0", nextHopType: "Internet" };
      await net.routes.beginCreateOrUpdateAndWait(t.rg, t.parent, t.child, route, poll);
    } else if (t.drifted) {
      await net.securityRules.beginDeleteAndWait(t.rg, t.parent, t.child, poll);
    } else {
      await net.securityRules.beginCreateOrUpdateAndWait(
        t.rg,
        t.parent,
        t.child,
        { protocol: "Tcp", sourceAddressPrefix: "Internet", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "22", access: "Allow", priority: 150, direction: "Inbound" },
        poll,
      );
    }
    t.drifted = !t.drifted;
    return effect;
  }

  /**
   * A burst on the hub policy's rule collection group: the first write adds (`introduce`) or
   * removes (`resolve`) the allow-everything collection, then `more` writes within about a second
   * edit a harmless rule's description. Resolves with the time each write was sent.
   */
  async burst(effect: "introduce" | "resolve", more: number): Promise<number[]> {
    const { sub, rg, name, rcg } = this.#resources.policy;
    const rcgs = this.#clients.network(sub).firewallPolicyRuleCollectionGroups;
    this.#rcg ??= await rcgs.get(rg, name, rcg);
    const base = (this.#rcg.ruleCollections ?? []).filter((c) => c.name !== "bench-allow-all");
    const allowAll = {
      ruleCollectionType: "FirewallPolicyFilterRuleCollection",
      name: "bench-allow-all",
      priority: 900,
      action: { type: "Allow" },
      rules: [{ ruleType: "NetworkRule", name: "any-to-any", ipProtocols: ["Any"], sourceAddresses: ["*"], destinationAddresses: ["*"], destinationPorts: ["*"] }],
    };
    const body = (note: number) => {
      const collections = JSON.parse(JSON.stringify(base)) as Array<{ rules?: Array<{ description?: string }> }>;
      const first = collections[0]?.rules?.[0];
      if (first) first.description = `bench edit ${note}`;
      return { priority: this.#rcg!.priority, ruleCollections: [...collections, ...(effect === "introduce" ? [allowAll] : [])] } as FirewallPolicyRuleCollectionGroup;
    };
    const sent: number[] = [Date.now()];
    await rcgs.beginCreateOrUpdateAndWait(rg, name, rcg, body(this.#notes++), { updateIntervalInMs: 100 });
    const rest: Array<Promise<unknown>> = [];
    for (let i = 0; i < more; i++) {
      await new Promise((r) => setTimeout(r, 45));
      sent.push(Date.now());
      rest.push(rcgs.beginCreateOrUpdateAndWait(rg, name, rcg, body(this.#notes++), { updateIntervalInMs: 100 }));
    }
    await Promise.all(rest);
    return sent;
  }

  /** A write no target depends on: a route table in `rg-net` no subnet uses, created, then retagged. Returns its id. */
  async unrelated(): Promise<string> {
    const k = this.#unrelated++;
    const subs = this.#resources.subscriptions;
    const sub = subs[k % subs.length]!;
    const name = `rt-bench-unused-${Math.floor(k / subs.length) % 5}`;
    await this.#clients.network(sub).routeTables.beginCreateOrUpdateAndWait(
      "rg-net",
      name,
      { location: "eastus", tags: { bench: String(k) }, routes: [{ name: "default", addressPrefix: "0.0.0.0/0", nextHopType: "Internet" }] },
      { updateIntervalInMs: 100 },
    );
    return `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/${name}`;
  }
}
