/**
 * Storage clients from {@link StorageSettings}: a connection string (Azurite, or a key-based
 * account) or an identity-based connection (managed identity, no keys), the two shapes of
 * `AzureWebJobsStorage` the Functions host itself accepts.
 */
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import type { StorageSettings } from "../config/appSettings.js";

/** Builds table clients for one account. */
export type TableClientFactory = (tableName: string) => TableClient;

/** Builds queue clients for one account. */
export type QueueClientFactory = (queueName: string) => QueueClient;

/** The clients of one storage account. */
export interface StorageClients {
  blobs: BlobServiceClient;
  table: TableClientFactory;
  /** Undefined for an identity-based connection without a queue endpoint. */
  queue?: QueueClientFactory;
}

/** Creates blob and table clients for the configured account. */
export function createStorageClients(settings: StorageSettings): StorageClients {
  if (settings.kind === "connectionString") {
    const cs = settings.connectionString;
    // Azurite speaks plain http on loopback; the tables SDK refuses http unless told.
    const insecure = /DefaultEndpointsProtocol=http(;|$)|UseDevelopmentStorage=true|Endpoint=http:\/\//i.test(cs);
    return {
      blobs: BlobServiceClient.fromConnectionString(cs),
      table: (name) => TableClient.fromConnectionString(cs, name, insecure ? { allowInsecureConnection: true } : {}),
      queue: (name) => new QueueClient(cs, name),
    };
  }
  const credential = settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new DefaultAzureCredential();
  const queueBase = settings.queueServiceUri?.replace(/\/+$/, "");
  return {
    blobs: new BlobServiceClient(settings.blobServiceUri, credential),
    table: (name) => new TableClient(settings.tableServiceUri, name, credential),
    ...(queueBase ? { queue: (name: string) => new QueueClient(`${queueBase}/${encodeURIComponent(name)}`, credential) } : {}),
  };
}
