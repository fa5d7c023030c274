// Verifies every contract of a recorded deployment on the network's block explorer (Etherscan, with
// the ETHERSCAN_API_KEY config variable; Blockscout/Sourcify as configured), with the constructor
// arguments the deployment recorded.
//   npx hardhat keystore set ETHERSCAN_API_KEY
//   npx hardhat run scripts/verify.ts --network sepolia
import hre from "hardhat";
import { verifyContract } from "@nomicfoundation/hardhat-verify/verify";
import { readDeployment } from "../deploy/breakwater.js";

const connection = await hre.network.getOrCreate();
const record = readDeployment(connection.networkName, process.env.BREAKWATER_DEPLOYMENT || undefined);
if (record.local) throw new Error(`deployment "${record.network}" is a local chain: nothing to verify`);
if (record.verification === undefined) {
  throw new Error(`deployment "${record.network}" predates recorded constructor arguments: redeploy to verify`);
}

let failed = 0;
for (const [key, entry] of Object.entries(record.verification)) {
  const address = record.contracts[key as keyof typeof record.contracts];
  const artifact = await hre.artifacts.readArtifact(entry.contract);
  const contract = `${artifact.sourceName}:${artifact.contractName}`;
  try {
    await verifyContract({ address, constructorArgs: entry.constructorArgs, contract }, hre);
    console.log(`verified   ${key.padEnd(15)} ${address} (${contract})`);
  } catch (error) {
    failed++;
    console.error(`FAILED     ${key.padEnd(15)} ${address}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
if (failed > 0) {
  console.error(`${failed} contract(s) not verified`);
  process.exitCode = 1;
}
