import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseUnits } from "ethers";
import { chainMark, deploymentFile, ethers, expectFailure, loadTaskFixture, runJson, runTask } from "./helpers.js";

describe("tasks: local", function () {
  it("local set-price moves a mock feed and the oracle price", async function () {
    const { s } = await loadTaskFixture();
    const out = await runJson(["local", "set-price"], { asset: "weth", price: "$2,500.5" });
    expect(out).to.include({
      asset: "WETH",
      price: parseUnits("2500.5", 18).toString(),
      previousPrice: parseUnits("3000", 18).toString(),
    });
    expect(await s.oracle.getPrice(await s.tokens.WETH.getAddress())).to.equal(parseUnits("2500.5", 18));
    expect(out.oraclePrice).to.equal(parseUnits("2500.5", 18).toString());
  });

  it("local fund mints mock tokens", async function () {
    const { s } = await loadTaskFixture();
    const who = (await ethers.getSigners())[9];
    const out = await runJson(["local", "fund"], { account: "9", amounts: ["10000 USDC", "2.5 weth"] });
    expect(out.account).to.equal(who.address);
    expect(out.funded.map((f: { asset: string }) => f.asset)).to.deep.equal(["USDC", "WETH"]);
    expect(await s.tokens.USDC.balanceOf(who.address)).to.equal(parseUnits("10000", 6));
    expect(await s.tokens.WETH.balanceOf(who.address)).to.equal(parseUnits("2.5", 18));
  });

  it("local advance-time moves the clock and can refresh the feeds", async function () {
    const { s } = await loadTaskFixture();
    const before = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const out = await runJson(["local", "advance-time"], { duration: "2d", refreshFeeds: true });
    expect(BigInt(out.after) - BigInt(out.before)).to.be.gte(172_800n);
    expect(BigInt((await ethers.provider.getBlock("latest"))!.timestamp) - before).to.be.gte(172_800n);
    expect(out.refreshed).to.deep.equal(["USDC", "WETH", "WBTC", "LINK"]);
    // Without the refresh the 1-day staleness limit would make this revert.
    expect(await s.oracle.getPrice(await s.tokens.WETH.getAddress())).to.equal(parseUnits("3000", 18));
  });

  it("rejects bad arguments, and refuses a non-local deployment before touching the chain", async function () {
    await loadTaskFixture();
    const mark = await chainMark();
    await expectFailure(runTask(["local", "set-price"], { asset: "DOGE", price: "1" }), /not part of this deployment/);
    await expectFailure(runTask(["local", "set-price"], { asset: "WETH", price: "-1" }), /negative/);
    await expectFailure(runTask(["local", "set-price"], { asset: "WETH", price: "0" }), /greater than zero/);
    await expectFailure(runTask(["local", "fund"], { account: "1", amounts: ["100"] }), /needs a token symbol/);
    await expectFailure(runTask(["local", "fund"], { account: "1", amounts: ["1.0000001 USDC"] }), /decimals/);
    await expectFailure(runTask(["local", "advance-time"], { duration: "soon" }), /not a duration/);

    const remote = path.join(path.dirname(deploymentFile), "remote.json");
    writeFileSync(remote, JSON.stringify({ ...JSON.parse(readFileSync(deploymentFile, "utf8")), local: false }));
    for (const [id, args] of [
      [["local", "set-price"], { asset: "WETH", price: "1000" }],
      [["local", "fund"], { account: "1", amounts: ["100 USDC"] }],
      [["local", "advance-time"], { duration: "1h" }],
    ] as const) {
      await expectFailure(runTask([...id], { ...args, deployment: remote }), /only available on local chains/);
    }
    // The --deployment option reaches other tasks too: a missing file is reported clearly.
    await expectFailure(runTask(["pool", "show"], { deployment: "/nonexistent/x.json" }), /no deployment recorded/);
    expect(await chainMark()).to.equal(mark);
  });
});
