/**
 * The estate builders: ARM resource bodies in the shapes of Microsoft's examples
 * (shared/reference/arm-examples/), one module per resource family. The demo estate
 * (estates/build-demo.ts), the benchmark's generator (bench/generate.ts) and the test estates
 * (test/helpers/estate.ts) are all built with them.
 *
 * Every builder takes a {@link BodyStyle} ("example": the whole shape, with etags and GUIDs from
 * seeds; "lean": what the caller states) and a spec, and returns plain JSON data.
 */
export * from "./ids.js";
export * from "./network/vnets.js";
export * from "./network/routeTables.js";
export * from "./network/nsgs.js";
export * from "./network/publicIps.js";
export * from "./network/loadBalancers.js";
export * from "./network/firewalls.js";
export * from "./network/virtualWan.js";
export * from "./network/natGateways.js";
export * from "./compute.js";
export * from "./aks.js";
export * from "./aksDependencies.js";
export * from "./hdinsight.js";
export * from "./privateDns.js";
export * from "./authorization.js";
