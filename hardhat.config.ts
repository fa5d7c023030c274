import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import { breakwaterTasks } from "./tasks/index.js";

// No compiler download site is reachable: use the official WASM builds shipped on npm.
const require = createRequire(import.meta.url);
const SOLC_PATH = require.resolve("solc/soljson.js");

const optimizedSettings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
};

// Breakwater's compiler, plus Morpho Blue (pragma 0.8.19 exact, compiled only for the gas bench)
// with Morpho's own published settings. Each file gets the newest listed compiler its pragma allows.
const compilers = [
  { version: "0.8.28", path: SOLC_PATH, settings: optimizedSettings },
  {
    version: "0.8.19",
    path: require.resolve("solc-0.8.19/soljson.js"),
    settings: {
      viaIR: true,
      optimizer: { enabled: true, runs: 999999 },
      evmVersion: "paris",
      metadata: { bytecodeHash: "none" },
    },
  },
];

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  // Operator tasks for every role (borrower, lender, keeper, guardian, governance, local chains).
  tasks: breakwaterTasks,
  // A local `hardhat node` (chain 31337) runs every hardfork from block 0; forking it from an
  // in-process network (the fork tests) needs that history, or EDR finds no hardfork for old blocks.
  chainDescriptors: {
    31337: { name: "Local hardhat node", chainType: "l1", hardforkHistory: { osaka: { blockNumber: 0 } } },
  },
  solidity: {
    // Published contracts deployed as they are: governance (AccessManager) and, on local chains
    // only, Chainlink's own MockV3Aggregator feed.
    npmFilesToBuild: [
      "@openzeppelin/contracts/access/manager/AccessManager.sol",
      "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol",
      // Peer protocol for `npm run bench:gas` (scripts/bench-gas.ts), never deployed.
      "@morpho-org/morpho-blue/src/Morpho.sol",
    ],
    profiles: {
      default: { compilers },
      production: { compilers },
    },
  },
  paths: {
    // Test-only contracts (mock tokens, faulty feeds) live under test/mocks, never in contracts/.
    sources: { solidity: ["contracts", "test/mocks"] },
  },
  test: {
    solidity: {
      fuzz: { runs: 256 },
      invariant: { runs: 64, depth: 32, failOnRevert: false },
    },
  },
  // `scripts/verify.ts`: Etherscan with a key from the keystore or the environment (read only when used).
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
  },
  networks: {
    // The in-process network (Hardhat 3 calls it "default"; parameters: deploy/parameters/hardhat.json).
    default: {
      type: "edr-simulated",
      chainType: "l1",
      allowUnlimitedContractSize: false,
    },
    localhost: {
      type: "http",
      chainType: "l1",
      // LOCALHOST_URL: another port (the README walkthrough test runs its own node on a free one).
      url: process.env.LOCALHOST_URL ?? "http://127.0.0.1:8545",
    },
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("SEPOLIA_PRIVATE_KEY")],
    },
  },
});
