// The deployment record carries each contract's artifact name and constructor arguments, which
// scripts/verify.ts hands to the block explorer: they must re-encode to exactly what was deployed.
import { expect } from "chai";
import { network } from "hardhat";
import { deployBreakwater } from "../../deploy/breakwater.js";
import { loadDeployParameters } from "../../deploy/parameters.js";

const { ethers } = await network.create();

describe("Deployment record: constructor arguments for verification", function () {
  it("records every contract, and its arguments re-encode to the creation transaction's data", async function () {
    const [deployer] = await ethers.getSigners();
    const first = await ethers.provider.getBlockNumber();
    const record = await deployBreakwater(ethers, loadDeployParameters("hardhat"), {
      networkName: "hardhat",
      deployer,
    });
    // JSON round trip, as scripts/verify.ts reads it from deployments/<network>.json.
    const verification = JSON.parse(JSON.stringify(record.verification)) as NonNullable<typeof record.verification>;
    expect(Object.keys(verification).sort()).to.deep.equal(Object.keys(record.contracts).sort());

    // Creation transaction of every contract deployed in these blocks.
    const creations = new Map<string, string>();
    for (let n = first + 1; n <= record.blockNumber; n++) {
      const block = await ethers.provider.getBlock(n, true);
      for (const tx of block!.prefetchedTransactions) {
        if (tx.to !== null) continue;
        const receipt = await ethers.provider.getTransactionReceipt(tx.hash);
        creations.set(receipt!.contractAddress!.toLowerCase(), tx.data);
      }
    }
    for (const [key, entry] of Object.entries(verification)) {
      const address = record.contracts[key as keyof typeof record.contracts].toLowerCase();
      const factory = await ethers.getContractFactory(entry.contract);
      const expected = (await factory.getDeployTransaction(...entry.constructorArgs)).data;
      expect(creations.get(address), `${key} (${entry.contract})`).to.equal(expected);
    }
  });
});
