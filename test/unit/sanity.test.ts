import { expect } from "chai";
import { network } from "hardhat";

const { ethers, networkHelpers } = await network.create();

async function deployTokenFixture() {
  const [alice] = await ethers.getSigners();
  const token = await ethers.deployContract("MockERC20", ["T", "T", 6]);
  return { token, alice };
}

describe("sanity", function () {
  it("mints", async function () {
    const { token, alice } = await networkHelpers.loadFixture(deployTokenFixture);
    await expect(token.mint(alice.address, 5n)).to.changeTokenBalance(ethers, token, alice, 5n);
    await networkHelpers.time.increase(10);
  });
});
