// Config for the coverage run only (`npm run coverage`): the project's config plus what instrumented
// code needs. Everything else (compilers, sources, networks, tasks) is the project's own.
//
// - Instrumentation roughly doubles the bytecode: VaultEngine and AuctionHouse pass the EIP-170
//   limit of 24,576 bytes. Hardhat lifts the limit under --coverage only when the network does not
//   set `allowUnlimitedContractSize` itself, and hardhat.config.ts sets it to false, so it is lifted
//   here for the coverage run (and only here: `npm test` keeps the real limit).
// - Test helpers (test/mocks, compiled as sources) are not instrumented: they are not measured
//   (scripts/coverage-gate.ts counts contracts/ only) and instrumenting them only costs time.
// - `npm run coverage` leaves out the oracle's two gas-budget tests ("BreakwaterOracle gas measures
//   ..."): instrumentation adds gas, so their budgets fail by design; `npm test` runs them.
// - Fewer fuzz and invariant runs than `npm test`: they add little line coverage and dominate the
//   run time under instrumentation (suites with inline run counts keep their own).
import type { HardhatUserConfig } from "hardhat/config";
import config from "./hardhat.config.js";

const network = config.networks?.default;
const solidityTests = config.test?.solidity ?? {};
if (network?.type !== "edr-simulated" || "profiles" in solidityTests) {
  throw new Error("hardhat.coverage.config.ts expects an edr-simulated default network and one Solidity test profile");
}

const coverageConfig: HardhatUserConfig = {
  ...config,
  networks: { ...config.networks, default: { ...network, allowUnlimitedContractSize: true } },
  coverage: { skipFiles: ["test/**"] },
  test: {
    ...config.test,
    solidity: {
      ...solidityTests,
      fuzz: { ...solidityTests.fuzz, runs: 64 },
      invariant: { ...solidityTests.invariant, runs: 16 },
    },
  },
};

export default coverageConfig;
