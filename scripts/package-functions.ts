// Stages the Function app's production package in dist/functionapp (npm run package:functions;
// azd's prepackage hook): compiled code without the CLI and the emulator, .funcignore applied,
// node_modules from `npm ci --omit=dev --omit=optional`. docs/deploy.md "What ships".
import { join } from "node:path";
import { STAGE_DIR, stagePackage } from "./lib/functionAppPackage.js";

const root = join(import.meta.dirname, "..");
const files = stagePackage({ root, install: !process.argv.includes("--no-install") });
console.log(`${STAGE_DIR}: ${files.length} files and the production node_modules`);
