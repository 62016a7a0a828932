import type * as SelfSignedModule from "selfsigned";
import { UsageError } from "../errors.js";

/** The `selfsigned` module (a type only: the module itself loads on first use). */
type SelfSigned = typeof SelfSignedModule;

/**
 * Loads `selfsigned` on first use, not at import: it is an optional dependency (only the emulator
 * needs it), so the Function app's production install (`npm ci --omit=dev --omit=optional`) leaves
 * it out, and a CLI installed that way must still start and run every command but the emulator's.
 */
export async function loadSelfSigned(load: () => Promise<SelfSigned> = () => import("selfsigned")): Promise<SelfSigned> {
  try {
    return await load();
  } catch (err) {
    if ((err as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw err;
    throw new UsageError(
      "EmulatorUnavailable",
      "the ARM emulator (the demo, emulator and serve commands) needs the optional dependency selfsigned, which is not installed: " +
        "run `npm install` without --omit=optional",
      { cause: err },
    );
  }
}

/** TLS material of one emulator run: a throwaway CA and a server certificate it signed. */
export interface EmulatorTls {
  /** PEM of the self-signed CA (`CA:true`) that clients trust. */
  caCertPem: string;
  /** PEM of the server certificate (SAN `DNS:localhost`, `IP:127.0.0.1`, `IP:::1`). */
  serverCertPem: string;
  /** PEM (PKCS#8) of the server certificate's private key. */
  serverKeyPem: string;
}

const HOUR = 3600_000;

/**
 * Generates a fresh CA and a server certificate for `localhost`, `127.0.0.1` and `::1`, both
 * ECDSA P-256 / SHA-256 so that generation takes milliseconds. The CA key never leaves memory.
 */
export async function createEmulatorTls(load?: () => Promise<SelfSigned>): Promise<EmulatorTls> {
  const { generate } = await loadSelfSigned(load);
  const notBeforeDate = new Date(Date.now() - HOUR);
  const notAfterDate = new Date(Date.now() + 30 * 24 * HOUR);
  const ca = await generate(
    [
      { name: "commonName", value: "egress-audit ARM emulator CA" },
      { name: "organizationName", value: "egress-audit" },
    ],
    {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    },
  );
  const server = await generate(
    [
      { name: "commonName", value: "localhost" },
      { name: "organizationName", value: "egress-audit" },
    ],
    {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
      notBeforeDate,
      notAfterDate,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: "basicConstraints", cA: false, critical: true },
        { name: "keyUsage", digitalSignature: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "localhost" },
            { type: 7, ip: "127.0.0.1" },
            { type: 7, ip: "::1" },
          ],
        },
      ],
    },
  );
  return { caCertPem: ca.cert, serverCertPem: server.cert, serverKeyPem: server.private };
}
