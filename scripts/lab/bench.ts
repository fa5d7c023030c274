// `npm run bench:lab`: times the default scenario (both variants) and prints vaults, blocks, tx/s, wall time.
import { network } from "hardhat";
import { runLab } from "./lab.js";
import { loadScenario } from "./load.js";

const { ethers } = await network.create();
const scenario = loadScenario(process.env.LAB_SCENARIO, process.env.LAB_VAULTS);
const report = await runLab(ethers, scenario);
const m = report.metrics;
const blocks = m.naive.blocks + m.breakwater.blocks;
const txs = m.naive.txs + m.breakwater.txs;
const runSeconds = m.naive.wallSeconds + m.breakwater.wallSeconds;
console.log(`scenario        ${scenario.name}`);
console.log(`vaults          ${report.vaults}`);
console.log(`blocks          ${blocks} (naive ${m.naive.blocks}, Breakwater ${m.breakwater.blocks})`);
console.log(`transactions    ${txs} (naive ${m.naive.txs}, Breakwater ${m.breakwater.txs})`);
console.log(`tx/s            ${(txs / runSeconds).toFixed(1)} (cascade runs only)`);
console.log(`setup           ${report.setupSeconds.toFixed(1)} s`);
console.log(
  `wall time       ${report.wallSeconds.toFixed(1)} s (naive ${m.naive.wallSeconds.toFixed(1)} s, Breakwater ${m.breakwater.wallSeconds.toFixed(1)} s)`,
);
