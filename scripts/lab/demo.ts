// `npm run demo`: the cascade lab's default scenario on the in-process network, naive vs Breakwater.
//   npx hardhat run scripts/lab/demo.ts
//   LAB_SCENARIO=flash-crash npx hardhat run scripts/lab/demo.ts   # another shipped scenario (or a .json path)
//   LAB_VAULTS=100 npx hardhat run scripts/lab/demo.ts             # override the population size
import { network } from "hardhat";
import { REPORTS_DIR, renderTerminal, runLab, stderrProgress, writeReports } from "./lab.js";
import { loadScenario } from "./load.js";

const { ethers } = await network.create();
const scenario = loadScenario(process.env.LAB_SCENARIO, process.env.LAB_VAULTS);
const report = await runLab(ethers, scenario, stderrProgress());
console.log(renderTerminal(report));
const files = writeReports(report, REPORTS_DIR);
console.log(`JSON report: ${files.json}`);
console.log(`HTML report: ${files.html}`);
console.log(`Total wall time ${report.wallSeconds.toFixed(1)} s (setup ${report.setupSeconds.toFixed(1)} s).`);
