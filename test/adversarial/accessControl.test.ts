// Unauthorised callers, completing test/engine/governance.test.ts (which classifies and gates every
// state-changing function of the engine, pool, oracle, rate model, insurance fund, auction house and
// circuit breaker, and checks the lens is view-only):
// - the list of contracts itself is generated from the build: every deployable contract under
//   contracts/ must be covered there or classified here, so a new contract cannot be forgotten;
// - the periphery contracts and curves not deployed by the system (scanner, flash-take router, the three
//   curves) are classified from their ABIs and gated;
// - every vault-scoped engine function (first argument a vault id) refuses strangers and managers of
//   another vault with the exact error, generated from the ABI;
// - every contract-gated hook refuses the *other* protocol contracts too (not just a stranger).
import { expect } from "chai";
import { artifacts, network } from "hardhat";
import type { BaseContract, FunctionFragment, Interface, ParamType } from "ethers";
import { deployFundedSystem, openVault, setPrice, USDC, WETH } from "../helpers/fixtures.js";
import { prepareLiquidations } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

/** Contracts whose every state-changing function test/engine/governance.test.ts classifies and gates. */
const COVERED_BY_GOVERNANCE_TEST = [
  "VaultEngine",
  "LendingPool",
  "BreakwaterOracle",
  "KinkedRateModel",
  "InsuranceFund",
  "AuctionHouse",
  "CircuitBreaker",
  "VaultLens", // asserted view-only there
];

type Access = { kind: "public"; reason: string } | { kind: "auctionHouseCallback" };

/** Contracts under contracts/ the governance test does not deploy: every state-changing function classified. */
const LOCAL_ACCESS: Record<string, Record<string, Access>> = {
  LiquidationScanner: {},
  LinearCurve: {},
  ExponentialCurve: {},
  StairstepCurve: {},
  FlashTakeRouter: {
    "flashTake(uint256,uint256,uint256,address,uint256)": {
      kind: "public",
      reason: "any keeper; it takes through the auction house, which checks the auction and the price guard",
    },
    "onAuctionTake(address,uint256,uint256,uint256,bytes)": { kind: "auctionHouseCallback" },
  },
};

function stateChanging(c: BaseContract): FunctionFragment[] {
  return c.interface.fragments.filter(
    (f): f is FunctionFragment => f.type === "function" && !(f as FunctionFragment).constant,
  );
}

function placeholder(p: ParamType): unknown {
  if (p.isArray()) return [];
  if (p.isTuple()) return p.components.map(placeholder);
  if (p.baseType === "address") return ethers.ZeroAddress;
  if (p.baseType === "bool") return false;
  if (p.baseType === "bytes") return "0x";
  if (/^bytes\d+$/.test(p.baseType)) return ethers.ZeroHash;
  return 0n;
}

async function deployable(): Promise<string[]> {
  const names: string[] = [];
  for (const fqn of await artifacts.getAllFullyQualifiedNames()) {
    if (!fqn.startsWith("contracts/")) continue;
    const a = await artifacts.readArtifact(fqn);
    // Interfaces and abstract contracts have no bytecode; internal libraries no ABI.
    if (a.bytecode === "0x" || a.abi.length === 0) continue;
    names.push(a.contractName);
  }
  return names.sort();
}

async function peripheryFixture() {
  const s = await deployFundedSystem(ethers);
  await prepareLiquidations(s);
  const weth = await s.weth.getAddress();
  const victim = await openVault(s, s.bob);
  await s.engine.connect(s.bob).deposit(victim, weth, WETH(10));
  await s.engine.connect(s.bob).borrow(victim, USDC(23_000), s.bob.address);
  await setPrice(s, "WETH", "2600");
  await s.engine.connect(s.keeper).flagMarginCall(victim);
  await networkHelpers.time.increase(600);
  await s.auctionHouse.connect(s.keeper).kick(victim, weth, s.keeper.address);
  const contracts: Record<string, BaseContract> = {
    LiquidationScanner: await ethers.deployContract("LiquidationScanner", [
      await s.engine.getAddress(),
      await s.auctionHouse.getAddress(),
    ]),
    FlashTakeRouter: await ethers.deployContract("FlashTakeRouter", [await s.auctionHouse.getAddress()]),
    LinearCurve: await ethers.deployContract("LinearCurve", [7200n]),
    ExponentialCurve: await ethers.deployContract("ExponentialCurve", [99n * 10n ** 16n, 60n]),
    StairstepCurve: await ethers.deployContract("StairstepCurve", [99n * 10n ** 16n, 60n]),
  };
  // Alice owns `id` and made carol its manager; `other` is carol's own vault, managed by bob.
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
  await s.engine.connect(s.alice).borrow(id, USDC(1_000), s.alice.address);
  const other = await openVault(s, s.carol);
  await s.engine.connect(s.alice).setManager(id, s.carol.address, true);
  await s.engine.connect(s.carol).setManager(other, s.bob.address, true);
  return { s, weth, id, other, auctionId: 1n, contracts };
}

describe("Adversarial: unauthorised callers beyond the governance suite", function () {
  it("every deployable contract under contracts/ is access-tested: by the governance suite or classified here", async function () {
    const all = await deployable();
    const classified = [...COVERED_BY_GOVERNANCE_TEST, ...Object.keys(LOCAL_ACCESS)].sort();
    expect(all, "deployable contracts under contracts/ (classify a new one)").to.deep.equal(classified);
  });

  it("periphery and curves: every state-changing function is classified (and none is stale)", async function () {
    const f = await networkHelpers.loadFixture(peripheryFixture);
    for (const [name, c] of Object.entries(f.contracts)) {
      const inAbi = stateChanging(c)
        .map((fn) => fn.format("sighash"))
        .sort();
      expect(inAbi, `${name}: state-changing functions`).to.deep.equal(Object.keys(LOCAL_ACCESS[name]).sort());
      expect(c.interface.fallback, `${name} fallback`).to.equal(null);
    }
  });

  it("flash-take router: onAuctionTake refuses direct callers and the auction house outside the router's own take", async function () {
    const f = await networkHelpers.loadFixture(peripheryFixture);
    const { s, auctionId } = f;
    const router = f.contracts.FlashTakeRouter;
    const ra = await router.getAddress();
    for (const fn of stateChanging(router)) {
      const access = LOCAL_ACCESS.FlashTakeRouter[fn.format("sighash")];
      if (access.kind !== "auctionHouseCallback") continue;
      const data = router.interface.encodeFunctionData(fn, fn.inputs.map(placeholder));
      // A stranger calling it directly.
      await expect(s.stranger.sendTransaction({ to: ra, data }))
        .to.be.revertedWithCustomError(router, "UnexpectedCallback")
        .withArgs(s.stranger.address, ethers.ZeroAddress);
      // The auction house calling it for someone else's take (receiver = router, with callback data).
      await expect(s.auctionHouse.connect(s.stranger).take(auctionId, WETH(1), ethers.MaxUint256, ra, "0x01"))
        .to.be.revertedWithCustomError(router, "UnexpectedCallback")
        .withArgs(await s.auctionHouse.getAddress(), s.stranger.address);
    }
    expect((await s.auctionHouse.auction(auctionId)).lot).to.be.greaterThan(0n);
  });

  it("every vault-scoped engine function refuses strangers and other vaults' managers (generated from the ABI)", async function () {
    const f = await networkHelpers.loadFixture(peripheryFixture);
    const { s, id, other, weth } = f;
    const ownerOnly = new Set(["setManager", "transferVault"]);
    // Vault-scoped and open to anyone by design (repaying and keeper actions), or auction-house hooks.
    const openToAll = new Set(["repay", "flagMarginCall", "clearMarginCall", "realiseBadDebt"]);
    const hooks = new Set(["seizeForAuction", "returnFromAuction"]);
    let checked = 0;
    for (const fn of stateChanging(s.engine)) {
      if (fn.inputs[0]?.name !== "id" || openToAll.has(fn.name) || hooks.has(fn.name)) continue;
      const args = (vault: bigint) =>
        fn.inputs.map((p, i) => {
          if (i === 0) return vault;
          if (p.baseType === "address") return p.name === "asset" ? weth : s.stranger.address;
          if (p.baseType === "bool") return true;
          return USDC(1);
        });
      const error = ownerOnly.has(fn.name) ? "NotOwner" : "NotOwnerOrManager";
      const engineInterface = s.engine.interface as unknown as Interface;
      const data = engineInterface.encodeFunctionData(fn, args(id));
      const to = await s.engine.getAddress();
      // A stranger, and the manager of another vault acting on this one.
      for (const who of [s.stranger, s.bob]) {
        await expect(who.sendTransaction({ to, data }), `${fn.name} by ${who.address}`)
          .to.be.revertedWithCustomError(s.engine, error)
          .withArgs(id, who.address);
      }
      // Carol manages `id` but owns `other`: a manager gets no owner powers.
      if (ownerOnly.has(fn.name)) {
        await expect(s.carol.sendTransaction({ to, data }))
          .to.be.revertedWithCustomError(s.engine, "NotOwner")
          .withArgs(id, s.carol.address);
      }
      // Owning `id` gives alice nothing on carol's `other`.
      await expect(s.alice.sendTransaction({ to, data: engineInterface.encodeFunctionData(fn, args(other)) }))
        .to.be.revertedWithCustomError(s.engine, error)
        .withArgs(other, s.alice.address);
      checked++;
    }
    expect(checked).to.equal(5); // setManager, transferVault, deposit, withdraw, borrow (a new one adds itself)
  });

  it("contract-gated hooks refuse every other protocol contract, not just strangers", async function () {
    const f = await networkHelpers.loadFixture(peripheryFixture);
    const { s } = f;
    const at = async (c: BaseContract) => c.getAddress();
    const protocol: Record<string, string> = {
      engine: await at(s.engine),
      pool: await at(s.pool),
      auctionHouse: await at(s.auctionHouse),
      insuranceFund: await at(s.insuranceFund),
      circuitBreaker: await at(s.circuitBreaker),
      oracle: await at(s.oracle),
      accessManager: await at(s.accessManager),
    };
    const gates: [BaseContract, string[], string, string][] = [
      [
        s.engine,
        ["seizeForAuction", "returnFromAuction", "payOutCollateral", "repayAuctionDebt", "setCallbackLock"],
        "OnlyAuctionHouse",
        "auctionHouse",
      ],
      [s.circuitBreaker, ["onAuctionStart", "onAuctionEnd"], "OnlyAuctionHouse", "auctionHouse"],
      [s.pool, ["borrow", "repay", "socialiseBadDebt"], "OnlyEngine", "engine"],
    ];
    let checked = 0;
    for (const [c, names, error, allowed] of gates) {
      const to = await c.getAddress();
      for (const name of names) {
        const fn = c.interface.getFunction(name)!;
        const data = c.interface.encodeFunctionData(fn, fn.inputs.map(placeholder));
        for (const [who, from] of Object.entries(protocol)) {
          if (who === allowed) continue;
          let revert = "0x";
          try {
            await ethers.provider.call({ from, to, data });
          } catch (e) {
            revert = String((e as { data?: string }).data ?? "0x");
          }
          expect(revert, `${name} from the ${who}`).to.equal(c.interface.encodeErrorResult(error, [from]));
          checked++;
        }
      }
    }
    // The insurance fund pays only its spenders (engine and auction house), never the pool or the breaker.
    const pay = s.insuranceFund.interface.encodeFunctionData("pay", [s.stranger.address, USDC(1), ethers.ZeroHash]);
    for (const who of ["pool", "circuitBreaker", "oracle", "accessManager"]) {
      let revert = "0x";
      try {
        await ethers.provider.call({ from: protocol[who], to: protocol.insuranceFund, data: pay });
      } catch (e) {
        revert = String((e as { data?: string }).data ?? "0x");
      }
      expect(revert, `fund.pay from the ${who}`).to.equal(
        s.insuranceFund.interface.encodeErrorResult("UnauthorisedSpender", [protocol[who]]),
      );
    }
    expect(checked).to.equal(10 * 6);
  });
});
