// Deployment parameter files: the shipped ones parse, Sepolia's uses only real addresses, and bad
// input is rejected with an error naming the field.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { getAddress } from "ethers";
import {
  loadDeployParameters,
  PARAMETERS_DIR,
  ParameterError,
  parseDeployParameters,
} from "../../deploy/parameters.js";

const raw = (name: string) => JSON.parse(readFileSync(path.join(PARAMETERS_DIR, `${name}.json`), "utf8"));

/** Parses `mutate(raw hardhat.json)` and returns the ParameterError it throws. */
function rejection(mutate: (o: any) => void, base = "hardhat"): ParameterError {
  const o = raw(base);
  mutate(o);
  try {
    parseDeployParameters(o);
  } catch (error) {
    expect(error).to.be.instanceOf(ParameterError);
    return error as ParameterError;
  }
  throw new Error("expected a ParameterError");
}

describe("Deployment parameters", function () {
  it("the shipped files parse (hardhat and localhost local, sepolia not)", function () {
    expect(loadDeployParameters("default").local).to.equal(true); // the in-process network reads hardhat.json
    expect(loadDeployParameters("localhost").local).to.equal(true);
    expect(loadDeployParameters("sepolia").local).to.equal(false);
  });

  it("sepolia: every token and feed is a real checksummed address, no mocks, timelocked admin", function () {
    const p = loadDeployParameters("sepolia");
    for (const a of [p.baseAsset, ...p.collaterals]) {
      expect(a.mock, a.symbol).to.equal(undefined);
      expect(a.feed.mockPrice, a.symbol).to.equal(undefined);
      expect(getAddress(a.address!), a.symbol).to.equal(a.address);
      expect(getAddress(a.feed.address!), `${a.symbol} feed`).to.equal(a.feed.address);
    }
    expect(p.collaterals.map((c) => c.symbol)).to.include("WETH");
    expect(p.governance.adminDelay).to.be.greaterThan(0);
  });

  it("rejects bad input with the field's name", function () {
    const cases: [string, (o: any) => void, string][] = [
      ["local missing", (o) => delete o.local, "local"],
      [
        "haircut not a decimal",
        (o) => (o.collaterals[0].risk.initialHaircut = "20%"),
        "collaterals[0].risk.initialHaircut",
      ],
      ["penalty above its bound", (o) => (o.collaterals[1].auction.penalty = "0.5"), "collaterals[1].auction.penalty"],
      ["duplicate symbol", (o) => (o.collaterals[1].symbol = o.collaterals[0].symbol), "collaterals[1].symbol"],
      ["grace period over 4 h", (o) => (o.breakers.gracePeriod = 5 * 3600), "breakers.gracePeriod"],
      ["unknown curve", (o) => (o.liquidation.curve = { kind: "cubic" }), "liquidation.curve.kind"],
      ["bad account", (o) => (o.governance.guardian = "me"), "governance.guardian"],
      ["feed bounds inverted", (o) => (o.baseAsset.feed.maxPrice = "0.1"), "baseAsset.feed.maxPrice"],
      ["no collaterals", (o) => (o.collaterals = []), "collaterals"],
    ];
    for (const [label, mutate, field] of cases) {
      const error = rejection(mutate);
      expect(error.field, label).to.equal(field);
      expect(error.message, label).to.contain(field);
    }
  });

  it("a non-local network may not deploy mocks: token and feed addresses are required", function () {
    const error = rejection((o) => (o.local = false));
    expect(error.field).to.equal("collaterals[0].feed.address"); // collaterals are read first
    expect(error.message).to.contain("required on non-local networks");
  });
});
