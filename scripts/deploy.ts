// Deploys Breakwater to the selected network with deploy/parameters/<network>.json and records the
// addresses in deployments/<network>.json, which tasks and scripts read.
//   npx hardhat run scripts/deploy.ts --network localhost
// BREAKWATER_DEPLOYMENT=<file> records it elsewhere (the tasks read the same variable).
import { network } from "hardhat";
import { deployBreakwater, writeDeployment } from "../deploy/breakwater.js";
import { loadDeployParameters } from "../deploy/parameters.js";

const connection = await network.getOrCreate();
const networkName = connection.networkName;
const params = loadDeployParameters(networkName);
console.log(`Deploying Breakwater to ${networkName}...`);
const record = await deployBreakwater(connection.ethers, params, { networkName, log: (l) => console.log(l) });
const file = writeDeployment(record, process.env.BREAKWATER_DEPLOYMENT || undefined);
console.log(`Deployment recorded in ${file}`);
