// The estate builders live with the emulator (the benchmark's generator uses them too).
export * from "../../src/emulator/builders.js";
