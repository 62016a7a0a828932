/**
 * What every estate builder shares: ARM ids, deterministic GUIDs and etags, `systemData`, and the
 * body style that decides how much of Microsoft's example a builder writes.
 *
 * Everything here is derived from seeds (SHA-256), never from the clock or a random source, so an
 * estate built twice is the same byte for byte.
 */
import { createHash } from "node:crypto";

/** Lower-case hex SHA-256 of a text. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * A GUID in the version 4 layout made from (at least 32) hex characters. The variant digit is one
 * of `89ab` picked by the 17th hex character ("hashed"), or always `8` ("fixed").
 */
export function guidFromHex(hex: string, variant: "hashed" | "fixed" = "hashed"): string {
  const v = variant === "fixed" ? "8" : "89ab"[parseInt(hex[16] ?? "0", 16) % 4]!;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${v}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Deterministic identifiers derived from seeds (see {@link seededIds}). */
export interface IdSource {
  /** 64 hex characters. */
  hex(seed: string): string;
  /** A GUID (version 4 layout). */
  guid(seed: string): string;
  /** A Network RP etag: `W/"<guid>"` (as in `VirtualNetworkGet.json`). */
  netEtag(seed: string): string;
  /** A private DNS etag: a bare GUID (as in `PrivateZoneGet.json`). */
  dnsEtag(seed: string): string;
  /** An AKS `eTag`: a short opaque string. */
  aksEtag(seed: string): string;
  /** 32 hex characters (HDInsight `deploymentId`, Kubernetes service uid without dashes). */
  hex32(seed: string): string;
  /** 8 hex characters (the hash in an AKS API server FQDN). */
  hex8(seed: string): string;
  /** 8 decimal digits (the suffix of the AKS agent-pool NSG). */
  digits8(seed: string): string;
}

/** Options of {@link seededIds}. */
export interface SeededIdsOptions {
  /** Prefixed to every seed before hashing; different namespaces give unrelated ids. Default "". */
  namespace?: string;
  /** Variant digit of the GUIDs (see {@link guidFromHex}). Default "hashed". */
  guidVariant?: "hashed" | "fixed";
}

/** An {@link IdSource} over SHA-256 of `namespace + seed`: the same seed always gives the same id. */
export function seededIds(options: SeededIdsOptions = {}): IdSource {
  const namespace = options.namespace ?? "";
  const variant = options.guidVariant ?? "hashed";
  const hex = (seed: string) => sha256Hex(`${namespace}${seed}`);
  const guid = (seed: string) => guidFromHex(hex(seed), variant);
  return {
    hex,
    guid,
    netEtag: (seed) => `W/"${guid(`etag/${seed}`)}"`,
    dnsEtag: (seed) => guid(`dnsetag/${seed}`),
    aksEtag: (seed) => hex(`akstag/${seed}`).slice(0, 8),
    hex32: (seed) => hex(`hex32/${seed}`).slice(0, 32),
    hex8: (seed) => hex(`hex8/${seed}`).slice(0, 8),
    digits8: (seed) => String(parseInt(hex(`d8/${seed}`).slice(0, 8), 16) % 1e8).padStart(8, "0"),
  };
}

/**
 * How much of Microsoft's example a builder writes.
 *
 * - `example`: the whole shape of the example in `shared/reference/arm-examples/`: what the
 *   caller states, plus what ARM adds on its own (etags, resource GUIDs, the type and provisioning
 *   state of embedded sub-resources, read-only back-references, the defaults the example shows).
 *   The demo estate is built this way; etags and GUIDs come from `ids`.
 * - `lean`: what the caller states and little else (the properties a scanner reads), in the same
 *   nesting. The benchmark's large generated estates and the focused test estates use it. Each
 *   builder's TSDoc says what its lean body keeps.
 */
export type BodyStyle = { readonly detail: "example"; readonly ids: IdSource } | { readonly detail: "lean" };

/** Lean bodies (see {@link BodyStyle}). */
export const LEAN: BodyStyle = { detail: "lean" };

/** Bodies in the whole shape of Microsoft's examples, etags and GUIDs taken from `ids`. */
export function exampleStyle(ids: IdSource): BodyStyle {
  return { detail: "example", ids };
}

/**
 * The part of a body only example-style bodies carry: `fields(ids)` for "example", nothing for
 * "lean". Spread it where the fields belong, so the key order stays that of the example.
 */
export function ifExample<T extends object>(style: BodyStyle, fields: (ids: IdSource) => T): T | Record<string, never> {
  return style.detail === "example" ? fields(style.ids) : {};
}

/** `{ [key]: value }` when the value is given, nothing otherwise (for optional fields). */
export function given<K extends string, V>(key: K, value: V | undefined): { [P in K]: V } | Record<string, never> {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]: V });
}

/** `/subscriptions/<sub>/resourceGroups/<rg>`. */
export const rgId = (sub: string, rg: string): string => `/subscriptions/${sub}/resourceGroups/${rg}`;

/** The id of a `Microsoft.Network` resource: `<rg>/providers/Microsoft.Network/<type>/<name>`. */
export const netId = (sub: string, rg: string, type: string, name: string): string =>
  `${rgId(sub, rg)}/providers/Microsoft.Network/${type}/${name}`;

/** The subscription id inside an ARM id (`/subscriptions/<sub>/...`). */
export function subscriptionOf(id: string): string {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
  if (sub === undefined) throw new Error(`not an ARM id: ${id}`);
  return sub;
}

/** The last segment of an ARM id (a resource's name). */
export const lastSegment = (id: string): string => id.slice(id.lastIndexOf("/") + 1);

/** `systemData` as the HDInsight examples show it (`GetClusterPool.json`): created and last modified at once. */
export function systemData(createdAt: string, by: string): Record<string, string> {
  return {
    createdBy: by,
    createdByType: "User",
    createdAt,
    lastModifiedBy: by,
    lastModifiedByType: "User",
    lastModifiedAt: createdAt,
  };
}

/** A reference to another resource: `{ id }`. */
export interface Ref {
  id: string;
}

/** `ids` as `[{ id }, ...]`. */
export const refs = (ids: readonly string[]): Ref[] => ids.map((id) => ({ id }));

/** Resource tags. */
export type Tags = Record<string, string>;
