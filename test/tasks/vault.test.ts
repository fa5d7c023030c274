import { expect } from "chai";
import { readFileSync } from "node:fs";
import hre from "hardhat";
import { parseUnits } from "ethers";
import { chainMark, connection, ethers, fromOf, loadTaskFixture, runJson, runTask } from "./helpers.js";

const WETH = (x: string) => parseUnits(x, 18);
const USDC = (x: string) => parseUnits(x, 6);

async function setup() {
  const f = await loadTaskFixture();
  const [, lender, alice, bob] = await ethers.getSigners();
  const { s } = f;
  await (await s.tokens.WETH.mint(alice.address, WETH("100"))).wait();
  await (await s.tokens.USDC.mint(alice.address, USDC("100000"))).wait();
  await s.fund(lender, { USDC: 1_000_000 });
  await (await s.pool.connect(lender).deposit(USDC("1000000"), lender.address)).wait();
  return { ...f, lender, alice, bob, aliceFrom: await fromOf(alice.address), bobFrom: await fromOf(bob.address) };
}

describe("tasks: connection", function () {
  it("a task run in-process acts on the test's chain (network.getOrCreate)", async function () {
    const { s } = await loadTaskFixture();
    const again = await hre.network.getOrCreate();
    expect(again).to.equal(connection);
    const out = await runJson(["vault", "open"]);
    expect(out.vault).to.equal("1");
    expect(await s.engine.vaultCount()).to.equal(1n);
  });

  it("the deployment file comes from --deployment, else $BREAKWATER_DEPLOYMENT", async function () {
    const { file } = await loadTaskFixture();
    const saved = process.env.BREAKWATER_DEPLOYMENT;
    try {
      process.env.BREAKWATER_DEPLOYMENT = file;
      const out = await runJson(["pool", "show"], { deployment: "" });
      expect(out.pool).to.equal(JSON.parse(readFileSync(file, "utf8")).contracts.pool);
      process.env.BREAKWATER_DEPLOYMENT = "/nonexistent/deployment.json";
      let error: any;
      try {
        await runTask(["pool", "show"], { deployment: "" });
      } catch (e) {
        error = e;
      }
      expect(error?.message).to.match(/no deployment recorded.*nonexistent/);
    } finally {
      if (saved === undefined) delete process.env.BREAKWATER_DEPLOYMENT;
      else process.env.BREAKWATER_DEPLOYMENT = saved;
    }
  });
});

describe("tasks: vault (borrower)", function () {
  it("vault open, deposit, borrow, show, repay, withdraw", async function () {
    const { s, alice, aliceFrom } = await setup();
    const opened = await runJson(["vault", "open"], { from: aliceFrom });
    expect(opened).to.include({ vault: "1", owner: alice.address });
    expect(await s.engine.ownerOf(1n)).to.equal(alice.address);

    const dep = await runJson(["vault", "deposit"], { from: aliceFrom, vault: "1", amount: "10 weth" });
    expect(dep).to.include({ vault: "1", asset: "WETH", amount: WETH("10").toString() });
    expect(dep.txs.map((t: { label: string }) => t.label)).to.deep.equal(["approve WETH", "deposit WETH"]);
    expect(await s.engine.collateralAmount(1n, await s.tokens.WETH.getAddress())).to.equal(WETH("10"));

    const br = await runJson(["vault", "borrow"], { from: aliceFrom, vault: "1", amount: "10000 USDC" });
    expect(br.amount).to.equal(USDC("10000").toString());
    expect(await s.engine.debtOf(1n)).to.be.gte(USDC("10000"));

    const shown = await runJson(["vault", "show"], { vault: "1" });
    expect(shown.owner).to.equal(alice.address);
    expect(BigInt(shown.healthFactor)).to.equal(await s.engine.healthFactor(1n));
    expect(BigInt(shown.maxBorrow)).to.equal(await s.engine.maxBorrow(1n));
    expect(shown.marginCall.flagged).to.equal(false);
    expect(shown.auctions).to.deep.equal([]);
    expect(shown.collaterals).to.have.length(1);
    expect(shown.collaterals[0].asset).to.equal("WETH");
    const liq = BigInt(shown.collaterals[0].liquidationPrice);
    expect(liq).to.equal(await s.lens.liquidationPrice(1n, await s.tokens.WETH.getAddress()));
    expect(liq > 0n).to.equal(true);

    const table = await runTask(["vault", "show"], { vault: "1" });
    expect(table.stdout).to.contain("health factor");
    expect(table.stdout).not.to.contain("Under auction");
    expect(table.stdout).to.contain("WETH");

    const rp = await runJson(["vault", "repay"], { from: aliceFrom, vault: "1", amount: "max" });
    expect(rp.debtAfter).to.equal("0");
    expect(await s.engine.debtOf(1n)).to.equal(0n);

    const wd = await runJson(["vault", "withdraw"], { from: aliceFrom, vault: "1", amount: "max", asset: "WETH" });
    expect(wd.amount).to.equal(WETH("10").toString());
    expect(await s.tokens.WETH.balanceOf(alice.address)).to.equal(WETH("100"));

    const listed = await runJson(["vault", "list"], { from: aliceFrom });
    expect(listed.vaults.map((v: { vault: string }) => v.vault)).to.deep.equal(["1"]);
  });

  it("borrowing too much fails with the decoded Undercollateralised error and a hint", async function () {
    const { aliceFrom } = await setup();
    await runJson(["vault", "open"], { from: aliceFrom });
    await runJson(["vault", "deposit"], { from: aliceFrom, vault: "1", amount: "1 WETH" });
    const mark = await chainMark();
    let error: any;
    try {
      await runTask(["vault", "borrow"], { from: aliceFrom, vault: "1", amount: "2900" });
    } catch (e) {
      error = e;
    }
    expect(error?.name).to.equal("ChainError");
    expect(error.decoded.name).to.equal("Undercollateralised");
    expect(error.decoded.args.id).to.equal("1");
    expect(error.message).to.contain("borrow less or deposit more collateral");
    expect(await chainMark()).to.equal(mark);
  });

  it("rejects bad arguments before sending any transaction", async function () {
    const { aliceFrom, bobFrom } = await setup();
    await runJson(["vault", "open"], { from: aliceFrom });
    const mark = await chainMark();
    const cases: [string[], Record<string, unknown>, RegExp][] = [
      [["vault", "deposit"], { from: aliceFrom, vault: "7", amount: "1 WETH" }, /unknown vault 7/],
      [["vault", "deposit"], { from: aliceFrom, vault: "x", amount: "1 WETH" }, /not a positive integer/],
      [["vault", "deposit"], { from: aliceFrom, vault: "1", amount: "-1 WETH" }, /negative/],
      [["vault", "deposit"], { from: aliceFrom, vault: "1", amount: "0 WETH" }, /greater than zero/],
      [["vault", "deposit"], { from: aliceFrom, vault: "1", amount: "1.5 DOGE" }, /not a listed collateral/],
      [["vault", "deposit"], { from: aliceFrom, vault: "1", amount: "1 USDC" }, /not a listed collateral/],
      [["vault", "deposit"], { from: aliceFrom, vault: "1", amount: "1", asset: "WBTC" }, /holds 0 WBTC/],
      [
        ["vault", "deposit"],
        { from: aliceFrom, vault: "1", amount: "1 WETH", asset: "WBTC" },
        /is in WETH but --asset is WBTC/,
      ],
      [["vault", "deposit"], { from: aliceFrom, vault: "1", amount: "1" }, /which collateral/],
      [["vault", "deposit"], { from: bobFrom, vault: "1", amount: "1 WETH" }, /neither the owner/],
      [["vault", "borrow"], { from: aliceFrom, vault: "1", amount: "1.0000001 USDC" }, /decimals/],
      [["vault", "borrow"], { from: aliceFrom, vault: "1", amount: "10 WETH" }, /expected USDC/],
      [["vault", "borrow"], { from: aliceFrom, vault: "1", amount: "ten" }, /not a number/],
      [["vault", "repay"], { from: aliceFrom, vault: "1", amount: "1" }, /no debt/],
      [["vault", "withdraw"], { from: aliceFrom, vault: "1", amount: "1 WETH" }, /holds no WETH/],
      [["vault", "show"], { vault: "2" }, /unknown vault 2/],
    ];
    for (const [id, args, pattern] of cases) {
      let error: any;
      try {
        await runTask(id, args);
      } catch (e) {
        error = e;
      }
      expect(error, `${id.join(" ")} ${JSON.stringify(args)}`).to.be.instanceOf(Error);
      expect(error.message, `${id.join(" ")} ${JSON.stringify(args)}`).to.match(pattern);
    }
    expect(await chainMark()).to.equal(mark);
  });
});
