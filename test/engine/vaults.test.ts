import { expect } from "chai";
import { network } from "hardhat";
import { deploySystem, openVault, WETH, type System } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

async function systemFixture(): Promise<System> {
  return deploySystem(ethers);
}

describe("VaultEngine: vaults, owners and managers", function () {
  it("opens vaults with increasing ids and emits VaultOpened", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    await expect(s.engine.connect(s.alice).openVault(s.alice.address))
      .to.emit(s.engine, "VaultOpened")
      .withArgs(1n, s.alice.address);
    await expect(s.engine.connect(s.alice).openVault(s.bob.address))
      .to.emit(s.engine, "VaultOpened")
      .withArgs(2n, s.bob.address);
    expect(await s.engine.vaultCount()).to.equal(2n);
    expect(await s.engine.ownerOf(1n)).to.equal(s.alice.address);
    expect(await s.engine.ownerOf(2n)).to.equal(s.bob.address);
  });

  it("rejects a zero owner", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    await expect(s.engine.openVault(ethers.ZeroAddress)).to.be.revertedWithCustomError(s.engine, "ZeroAddress");
  });

  it("lets a manager act for the owner, and only the owner manage managers", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const id = await openVault(s, s.alice);
    const weth = await s.weth.getAddress();

    await expect(s.engine.connect(s.bob).deposit(id, weth, WETH(1)))
      .to.be.revertedWithCustomError(s.engine, "NotOwnerOrManager")
      .withArgs(id, s.bob.address);
    await expect(s.engine.connect(s.bob).setManager(id, s.bob.address, true))
      .to.be.revertedWithCustomError(s.engine, "NotOwner")
      .withArgs(id, s.bob.address);

    await expect(s.engine.connect(s.alice).setManager(id, s.bob.address, true))
      .to.emit(s.engine, "ManagerSet")
      .withArgs(id, s.bob.address, true);
    expect(await s.engine.isManager(id, s.bob.address)).to.equal(true);
    await expect(s.engine.connect(s.bob).deposit(id, weth, WETH(1))).to.changeTokenBalances(
      ethers,
      s.weth,
      [s.bob, s.engine],
      [-WETH(1), WETH(1)],
    );
    // A manager cannot appoint other managers.
    await expect(s.engine.connect(s.bob).setManager(id, s.carol.address, true))
      .to.be.revertedWithCustomError(s.engine, "NotOwner")
      .withArgs(id, s.bob.address);

    await s.engine.connect(s.alice).setManager(id, s.bob.address, false);
    await expect(s.engine.connect(s.bob).withdraw(id, weth, WETH(1), s.bob.address))
      .to.be.revertedWithCustomError(s.engine, "NotOwnerOrManager")
      .withArgs(id, s.bob.address);
  });

  it("transfers ownership; the old owner loses control", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const id = await openVault(s, s.alice);
    await expect(s.engine.connect(s.alice).transferVault(id, s.carol.address))
      .to.emit(s.engine, "VaultTransferred")
      .withArgs(id, s.alice.address, s.carol.address);
    expect(await s.engine.ownerOf(id)).to.equal(s.carol.address);
    await expect(s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(1)))
      .to.be.revertedWithCustomError(s.engine, "NotOwnerOrManager")
      .withArgs(id, s.alice.address);
    await expect(s.engine.connect(s.carol).transferVault(id, ethers.ZeroAddress)).to.be.revertedWithCustomError(
      s.engine,
      "ZeroAddress",
    );
  });

  it("reverts UnknownVault for ids never opened", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    await expect(s.engine.connect(s.alice).deposit(7n, await s.weth.getAddress(), WETH(1)))
      .to.be.revertedWithCustomError(s.engine, "UnknownVault")
      .withArgs(7n);
    await expect(s.engine.repay(7n, 1n)).to.be.revertedWithCustomError(s.engine, "UnknownVault").withArgs(7n);
    await expect(s.engine.healthFactor(7n)).to.be.revertedWithCustomError(s.engine, "UnknownVault").withArgs(7n);
    await expect(s.engine.connect(s.alice).setManager(7n, s.bob.address, true))
      .to.be.revertedWithCustomError(s.engine, "UnknownVault")
      .withArgs(7n);
  });
});
