/** FQDN patterns, service tag names and regions (src/checks/lib/names.ts). */
import { describe, expect, it } from "vitest";
import { fqdnCovers, regionOf, serviceTagCovers } from "../../../src/checks/lib/names.js";

describe("FQDNs and service tags", () => {
  it("matches FQDN wildcards like Azure Firewall", () => {
    expect(fqdnCovers("*.blob.core.windows.net", "x.blob.core.windows.net")).toBe(true);
    expect(fqdnCovers("*.blob.core.windows.net", "a.b.blob.core.windows.net")).toBe(true);
    expect(fqdnCovers("*.blob.core.windows.net", "blob.core.windows.net")).toBe(false);
    expect(fqdnCovers("*.blob.core.windows.net", "*.blob.core.windows.net")).toBe(true);
    expect(fqdnCovers("*.core.windows.net", "*.blob.core.windows.net")).toBe(true);
    expect(fqdnCovers("x.blob.core.windows.net", "*.blob.core.windows.net")).toBe(false);
    expect(fqdnCovers("*.graph.microsoft.com", "graph.microsoft.com")).toBe(false);
    expect(fqdnCovers("Graph.Microsoft.com.", "graph.microsoft.com")).toBe(true);
    expect(fqdnCovers("*", "anything.example")).toBe(true);
    expect(fqdnCovers("*", "*.blob.core.windows.net")).toBe(true);
  });

  it("compares service tags case-insensitively, broader tags cover regional ones", () => {
    expect(serviceTagCovers("AzureCloud.EastUS", "AzureCloud.eastus")).toBe(true);
    expect(serviceTagCovers("AzureCloud", "AzureCloud.eastus")).toBe(true);
    expect(serviceTagCovers("AzureCloud.WestUS", "AzureCloud.eastus")).toBe(false);
    expect(serviceTagCovers("AzureCloud.eastus", "AzureCloud")).toBe(false);
    expect(serviceTagCovers("Azure", "AzureCloud.eastus")).toBe(false);
    expect(regionOf("East US")).toBe("eastus");
    expect(regionOf("westeurope")).toBe("westeurope");
  });
});
