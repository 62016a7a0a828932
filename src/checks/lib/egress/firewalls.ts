/**
 * Which Azure Firewalls hold a private address, and every read that could have hidden one. "No
 * firewall at this address" is a fact only when every firewall list that could hold it was read:
 * the inventories of the scanned subscriptions, and (since a spoke's default route often points
 * into a peered hub VNet in another subscription) the inventory of the subscription of a peered
 * VNet whose address space holds the address. Pure.
 */
import { parentResourceId, parseResourceId } from "../../../model/resourceId.js";
import { lookup } from "../../../model/snapshot.js";
import type { AzureFirewall, Part, ReadError, Snapshot } from "../../../model/snapshot.js";
import { prefixContains, sameAddress } from "../addresses.js";
import { nameOf, sameText } from "../names.js";
import { errorOf } from "../parts.js";

/** Where an address lies, when the route's own VNet says so: the VNet itself or one of its peerings. */
export interface AddressHome {
  /** The VNet whose address space (or peering's remote address space) holds the address. */
  vnetId: string;
  subscriptionId: string;
  /** The peering that reaches it; absent when the address is in the subnet's own VNet. */
  peeringName?: string;
}

/** Firewalls in the snapshot that hold a private address, and the firewall reads that failed. */
export interface FirewallMatch {
  /** Sorted by id. */
  firewalls: AzureFirewall[];
  /**
   * Errors of firewall reads (and of firewall inventories) that might have hidden a match. When no
   * firewall holds the address, the read of the subscription where it lies comes first.
   */
  readErrors: ReadError[];
  /** Whether any firewall inventory was collected at all. */
  inventoryCollected: boolean;
  /** Where the address lies (own VNet or a peered one), when the subnet's VNet was read and says so. */
  home?: AddressHome;
  /**
   * The read that leaves "no firewall at this address" unproven where the address lies (that
   * subscription's firewall list, or the subnet's VNet); also the first of `readErrors`.
   */
  homeError?: ReadError;
}

/** Options of {@link firewallsAt}. */
export interface FirewallsAtOptions {
  /**
   * The subnet whose route names the address: its VNet's address space and peerings tell which
   * subscription's firewall list must have been read before absence is a fact.
   */
  subnetId?: string;
}

/**
 * Finds the Azure Firewalls with a private address, and every read error that could hide one. With
 * `subnetId`, an address that no firewall holds is looked up in the subnet's VNet: when it lies in
 * the VNet or in a peered VNet whose subscription's firewall inventory failed or was never read,
 * that is a read error too (first in `readErrors`, naming the VNet and its subscription); when that
 * inventory was read, the inventories of other subscriptions cannot hide a match (failed firewall
 * reads still can). An
 * address in no known VNet keeps every read error. A snapshot without the `virtualNetworks` map
 * (written before VNets were read) is judged as before.
 */
export function firewallsAt(snapshot: Snapshot, address: string, options: FirewallsAtOptions = {}): FirewallMatch {
  const firewalls: AzureFirewall[] = [];
  const readErrors: ReadError[] = [];
  const firewallErrors: ReadError[] = [];
  for (const [key, part] of Object.entries(snapshot.firewalls)) {
    if (part.ok) {
      if (part.value.privateIpAddresses.some((ip) => sameAddress(ip, address))) firewalls.push(part.value);
    } else {
      const error = errorOf(part, key);
      readErrors.push(error);
      firewallErrors.push(error);
    }
  }
  const inventories = Object.entries(snapshot.firewallInventory);
  const inventoryErrors = new Map<string, ReadError>();
  for (const [sub, part] of inventories) {
    if (part.ok) continue;
    const error = errorOf(part, `/subscriptions/${sub}`);
    inventoryErrors.set(sub.toLowerCase(), error);
    readErrors.push(error);
  }
  firewalls.sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  const match: FirewallMatch = { firewalls, readErrors, inventoryCollected: inventories.length > 0 };
  if (firewalls.length === 0 && options.subnetId !== undefined && address !== "") {
    const where = addressHome(snapshot, options.subnetId, address);
    if (where !== undefined) {
      const home = where.home;
      if (home !== undefined) match.home = home;
      if (where.error === undefined && home !== undefined) {
        // The address lies in a VNet whose subscription's firewall list was read. A firewall holding it has
        // its ip configuration in that VNet, and a resource cannot take a subnet of another subscription,
        // so the lists of other subscriptions hide nothing; a firewall that was named but not read still may.
        match.readErrors = firewallErrors;
      } else if (where.error !== undefined) {
        // The home subscription's failed inventory is already listed: restate it first, naming where the address lies.
        const listed = where.home !== undefined ? inventoryErrors.get(where.home.subscriptionId.toLowerCase()) : undefined;
        match.readErrors = [where.error, ...readErrors.filter((e) => e !== listed)];
        match.homeError = where.error;
      }
    }
  }
  return match;
}

/** The firewall inventory of one subscription (keys are subscription ids, compared case-insensitively). */
function inventoryOf(snapshot: Snapshot, subscriptionId: string): Part<string[]> | undefined {
  const exact = snapshot.firewallInventory[subscriptionId] ?? snapshot.firewallInventory[subscriptionId.toLowerCase()];
  if (exact !== undefined) return exact;
  const key = Object.keys(snapshot.firewallInventory).find((k) => sameText(k, subscriptionId));
  return key !== undefined ? snapshot.firewallInventory[key] : undefined;
}

/** Where an address lies as seen from a subnet's VNet, and the read that leaves its firewall list unknown. */
function addressHome(snapshot: Snapshot, subnetId: string, address: string): { home?: AddressHome; error?: ReadError } | undefined {
  const vnets = snapshot.virtualNetworks;
  if (vnets === undefined) return undefined;
  const vnetId = parentResourceId(subnetId);
  if (vnetId === undefined) return undefined;
  const vnet = lookup(vnets, vnetId);
  if (vnet === undefined) {
    return {
      error: {
        code: "NotCollected",
        message: `virtual network ${nameOf(vnetId)} (whose address space and peerings tell where next hop ${address} lies) was not collected`,
        scope: vnetId,
      },
    };
  }
  if (!vnet.ok) return { error: errorOf(vnet, vnetId) };
  const inOwn = vnet.value.addressPrefixes.some((p) => prefixContains(p, address));
  const peering = inOwn ? undefined : vnet.value.peerings.find((p) => p.remoteAddressPrefixes.some((prefix) => prefixContains(prefix, address)));
  if (!inOwn && peering === undefined) return undefined;
  const homeVnetId = peering?.remoteVirtualNetworkId ?? vnet.value.id;
  const subscriptionId = parseResourceId(homeVnetId)?.subscriptionId;
  if (subscriptionId === undefined) return undefined;
  const home: AddressHome = { vnetId: homeVnetId, subscriptionId, ...(peering !== undefined ? { peeringName: peering.name } : {}) };
  const where = peering !== undefined ? `peered virtual network ${nameOf(homeVnetId)}` : `virtual network ${nameOf(homeVnetId)}`;
  const inventory = inventoryOf(snapshot, subscriptionId);
  if (inventory === undefined) {
    return {
      home,
      error: {
        code: "NotCollected",
        message: `${address} lies in ${where} of subscription ${subscriptionId}, whose firewall list was not read`,
        scope: homeVnetId,
      },
    };
  }
  if (!inventory.ok) {
    const error = errorOf(inventory, `/subscriptions/${subscriptionId}`);
    return {
      home,
      error: { ...error, message: `${address} lies in ${where} of subscription ${subscriptionId}, whose firewall list could not be read: ${error.message}` },
    };
  }
  return { home };
}

/** The firewall that handles traffic sent to a matched address: a `Succeeded` one first, else the first by id. */
export function preferredFirewall(match: FirewallMatch): AzureFirewall | undefined {
  return match.firewalls.find((f) => sameText(f.provisioningState, "Succeeded")) ?? match.firewalls[0];
}

/** The public addresses of a firewall that the snapshot holds. */
export function firewallPublicAddresses(snapshot: Snapshot, firewall: AzureFirewall): string[] {
  const out: string[] = [];
  for (const id of firewall.publicIpIds) {
    const pip = lookup(snapshot.publicIps, id);
    if (pip?.ok === true && pip.value.ipAddress !== undefined) out.push(pip.value.ipAddress);
  }
  return out;
}
