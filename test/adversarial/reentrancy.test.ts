// Re-entry through a collateral token's transfer hook across the engine and the auction house (found
// by the adversarial suites as defect D6): a take's payout runs with the engine's entry points locked,
// and auction-house hooks refuse to run while an engine entry point is executing.
import { expect } from "chai";
import { network } from "hardhat";
import { AUCTION_INNER, ENGINE_INNER, hookedFixture, hookedState, OUTER, targetOf } from "./hooked.js";

const { ethers, networkHelpers } = await network.create();

async function revertData(p: Promise<unknown> | (() => Promise<unknown>)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
    return "none";
  } catch (e) {
    return String((e as { data?: string }).data ?? "0x");
  }
}

describe("Adversarial: re-entry across engine and auction house", function () {
  describe("a collateral's transfer hook re-enters across engine and auction house", function () {
    async function fixture() {
      return hookedFixture(ethers);
    }
    const guardErrors = (f: Awaited<ReturnType<typeof fixture>>) => [
      f.s.engine.interface.getError("ReentrancyGuardReentrantCall")!.selector,
      f.s.engine.interface.getError("CallbackInProgress")!.selector,
    ];

    // (a) take -> engine.payOutCollateral -> token.transfer -> hook: the engine is not locked.
    for (const [name, which, data] of ENGINE_INNER) {
      it(`auctionHouse.take whose payout re-enters engine.${name} must be stopped`, async function () {
        const f = await networkHelpers.loadFixture(fixture);
        const before = await hookedState(f);
        await f.hook.arm(await targetOf(f, which), data(f));
        const revert = await revertData(OUTER[2][1](f));
        expect(guardErrors(f), `take re-entering engine.${name}: ${revert}`).to.include(revert.slice(0, 10));
        expect(await hookedState(f)).to.deep.equal(before);
      });
    }

    // (b) engine.deposit / withdraw -> token hook -> auction house: kick and take run mid-call.
    for (const [outer, call] of OUTER.filter(([n]) => n.startsWith("engine."))) {
      for (const [name, which, data] of AUCTION_INNER.filter(([n]) => n !== "reset")) {
        it(`${outer} whose transfer re-enters auctionHouse.${name} must be stopped`, async function () {
          const f = await networkHelpers.loadFixture(fixture);
          await f.hook.arm(await targetOf(f, which), data(f));
          const revert = await revertData(call(f));
          expect(
            [...guardErrors(f), f.s.auctionHouse.interface.getError("ReentrancyGuardReentrantCall")!.selector],
            `${outer} re-entering auctionHouse.${name}: ${revert}`,
          ).to.include(revert.slice(0, 10));
        });
      }
    }
  });
});
