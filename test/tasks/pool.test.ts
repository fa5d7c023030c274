import { expect } from "chai";
import { parseUnits } from "ethers";
import { chainMark, ethers, fromOf, loadTaskFixture, runJson, runTask } from "./helpers.js";

const USDC = (x: string) => parseUnits(x, 6);

async function setup() {
  const f = await loadTaskFixture();
  const [, lender, , bob] = await ethers.getSigners();
  await (await f.s.tokens.USDC.mint(lender.address, USDC("50000"))).wait();
  return { ...f, lender, bob, lenderFrom: await fromOf(lender.address), bobFrom: await fromOf(bob.address) };
}

describe("tasks: pool (lender)", function () {
  it("pool deposit, show, withdraw", async function () {
    const { s, lender, lenderFrom } = await setup();
    const dep = await runJson(["pool", "deposit"], { from: lenderFrom, amount: "20,000 usdc" });
    expect(dep.amount).to.equal(USDC("20000").toString());
    expect(dep.txs).to.have.length(2); // approve + deposit
    expect(await s.pool.balanceOf(lender.address)).to.equal(BigInt(dep.sharesMinted));
    expect(await s.pool.totalAssets()).to.equal(USDC("20000"));

    const shown = await runJson(["pool", "show"], { from: lenderFrom });
    expect(shown.totalAssets).to.equal(USDC("20000").toString());
    expect(shown.cash).to.equal(USDC("20000").toString());
    expect(shown.utilisation).to.equal("0");
    expect(BigInt(shown.borrowApr)).to.equal((await s.pool.borrowRatePerSecond()) * 31_536_000n);
    expect(shown.reserveFactor).to.equal(parseUnits("0.1", 18).toString());
    expect(shown.sharePrice).to.equal((await s.pool.convertToAssets(10n ** (await s.pool.decimals()))).toString());
    expect(shown.position.assets).to.equal(USDC("20000").toString());
    const table = await runTask(["pool", "show"], {});
    expect(table.stdout).to.contain("utilisation");
    // The table shows shares in the pool's own decimals (base decimals + the virtual-share offset).
    const more = await runTask(["pool", "deposit"], { from: lenderFrom, amount: "1000 USDC" });
    expect(await s.pool.decimals()).to.be.greaterThan(6n);
    expect(more.stdout).to.contain("shares minted  1,000 bwUSDC"); // share price exactly 1 (nothing borrowed)
    await runJson(["pool", "withdraw"], { from: lenderFrom, amount: "1000" });

    const wd = await runJson(["pool", "withdraw"], { from: lenderFrom, amount: "5000" });
    expect(wd.amount).to.equal(USDC("5000").toString());
    expect(await s.tokens.USDC.balanceOf(lender.address)).to.equal(USDC("35000"));
    const all = await runJson(["pool", "withdraw"], { from: lenderFrom, amount: "max" });
    expect(all.amount).to.equal(USDC("15000").toString());
    expect(await s.pool.balanceOf(lender.address)).to.equal(0n);
  });

  it("rejects bad amounts and overdrafts before sending a transaction", async function () {
    const { lenderFrom, bobFrom } = await setup();
    await runJson(["pool", "deposit"], { from: lenderFrom, amount: "100" });
    const mark = await chainMark();
    const cases: [string[], Record<string, unknown>, RegExp][] = [
      [["pool", "deposit"], { from: lenderFrom, amount: "-5" }, /negative/],
      [["pool", "deposit"], { from: lenderFrom, amount: "0" }, /greater than zero/],
      [["pool", "deposit"], { from: lenderFrom, amount: "5 WETH" }, /expected USDC/],
      [["pool", "deposit"], { from: lenderFrom, amount: "1000000" }, /less than/],
      [["pool", "withdraw"], { from: lenderFrom, amount: "101" }, /at most 100 USDC/],
      [["pool", "withdraw"], { from: bobFrom, amount: "1" }, /no pool shares/],
      [["pool", "show"], { account: "0x1234" }, /not an address/],
    ];
    for (const [id, args, pattern] of cases) {
      let error: any;
      try {
        await runTask(id, args);
      } catch (e) {
        error = e;
      }
      expect(error?.message, JSON.stringify(args)).to.match(pattern);
    }
    expect(await chainMark()).to.equal(mark);
  });
});
