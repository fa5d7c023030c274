// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {InvariantSuite} from "./InvariantSuite.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {ProtocolHandler} from "./ProtocolHandler.sol";
import {BorrowLendHandler} from "./BorrowLendHandler.sol";
import {IAuctionHouse} from "../../../contracts/interfaces/IAuctionHouse.sol";
import {ICircuitBreaker} from "../../../contracts/interfaces/ICircuitBreaker.sol";
import {VaultId} from "../../../contracts/libraries/Types.sol";

/// @notice The ten named properties of issue 7, as assertions over a {ProtocolHandler} and the
/// deployment, shared by the static and the dynamic flavour (each flavour declares one
/// `invariant_` function per property and calls these).
abstract contract ProtocolProperties is InvariantSuite {
    /// @dev The fund's base balance right after setUp (the handler's seed), set by each flavour's setUp.
    uint256 internal fundSeed;

    function _ph() internal view virtual returns (ProtocolHandler);

    function _handler() internal view override returns (HandlerBase) {
        return _ph();
    }

    /// @dev 1. pool assets = cash + total borrowed (with interest) - realised bad debt, exactly: the
    /// handler's own ledger of every flow (cash in and out; scaled debt borrowed, repaid and removed by
    /// bad-debt realisations) reproduces the pool's cash, scaled debt and total assets to the unit.
    function _assertPoolAssets() internal view {
        ProtocolHandler h = _ph();
        _assertNoViolation(h.V_LEDGER());
        uint256 outstanding = h.ghostScaledBorrowed() - h.ghostScaledRepaid() - h.ghostScaledRealised();
        assertEq(h.ghostScaledDebt(), outstanding, "ghost scaled debt");
        assertEq(pool.cash(), h.ghostCash(), "pool cash != ghost cash flows");
        assertEq(pool.totalScaledDebt(), outstanding, "pool scaled debt != borrowed - repaid - realised");
        uint256 borrowedWithInterest = Math.mulDiv(outstanding, pool.currentBorrowIndex(), RAY);
        assertEq(pool.totalAssets(), h.ghostCash() + borrowedWithInterest, "totalAssets != ghost cash + debt");
        assertEq(pool.totalAssets(), pool.cash() + pool.totalDebt(), "totalAssets != cash + totalDebt");
        assertGe(usdc.balanceOf(address(pool)), pool.cash(), "cash not backed by tokens");
    }

    /// @dev 2. sum of vault debts = total debt recorded: exactly in scaled units (vaults plus open
    /// auctions = the pool's total scaled debt, and the per-collateral attributions add up to the
    /// engine's per-collateral totals); in base units the rounded-up debts exceed the pool's
    /// rounded-down total by less than one unit per term.
    function _assertDebtSums() internal view {
        _assertScaledDebtReconciles("totalScaledDebt != vaults + open auctions");
        uint256 n = engine.vaultCount();
        uint256 sum;
        uint256 terms;
        for (uint256 id = 1; id <= n; ++id) {
            uint256 scaled = engine.scaledDebtOf(VaultId.wrap(id));
            if (scaled == 0) continue;
            sum += engine.debtOf(VaultId.wrap(id));
            ++terms;
        }
        uint256 auctions = auctionHouse.auctionCount();
        for (uint256 id = 1; id <= auctions; ++id) {
            IAuctionHouse.Auction memory a = auctionHouse.auction(id);
            if (a.lot == 0 || a.scaledDebt == 0) continue;
            sum += _debtUp(a.scaledDebt);
            ++terms;
        }
        uint256 total = pool.totalDebt();
        assertGe(sum, total, "sum of debts < pool total debt");
        assertLe(sum, total + terms, "sum of debts > pool total debt + rounding");
        for (uint256 i; i < collaterals.length; ++i) {
            uint256 attributed;
            for (uint256 id = 1; id <= n; ++id) {
                attributed += engine.attributedScaledDebt(VaultId.wrap(id), collaterals[i]);
            }
            assertEq(engine.scaledDebtBackedBy(collaterals[i]), attributed, "scaledDebtBacked != attributions");
        }
    }

    /// @dev 3. per collateral: tokens held by the engine = vault positions + lots of open auctions.
    function _assertCollateralHeld() internal view {
        _assertCollateralReconciles("engine balance != positions + open lots");
    }

    /// @dev 4 (dynamic). The breaker's debt under auction, per collateral and globally, is exactly the
    /// sum over open auctions of the debt part of their tab at kick (their throttled debt), and within
    /// the caps; every open auction's debt now is that debt grown by interest since the kick (at most).
    function _assertDebtUnderAuction() internal view {
        (uint256[] memory sums, ) = _scanThrottledDebt("closed auction keeps throttled debt");
        uint256 total;
        for (uint256 i; i < collaterals.length; ++i) {
            ICircuitBreaker.AssetView memory v = breaker.assetView(collaterals[i]);
            assertEq(v.debtUnderAuction, sums[i], "asset debt under auction != sum of open auctions");
            assertLe(v.debtUnderAuction, v.debtUnderAuctionCap, "asset debt under auction above its cap");
            total += v.debtUnderAuction;
        }
        ICircuitBreaker.GlobalView memory g = breaker.globalView();
        assertEq(g.globalDebtUnderAuction, total, "global debt under auction != sum over assets");
        assertLe(g.globalDebtUnderAuction, g.globalDebtUnderAuctionCap, "global debt under auction above cap");
        uint256 n = auctionHouse.auctionCount();
        uint256 index = pool.currentBorrowIndex();
        for (uint256 id = 1; id <= n; ++id) {
            IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(id);
            if (!s.active) continue;
            uint256 kicked = auctionHouse.throttledDebtOf(id);
            uint256 grown = Math.mulDiv(kicked, index, _ph().auctionGhost(id).indexAtKick, Math.Rounding.Ceil);
            assertLe(s.debt, grown + 2, "open auction's debt above its debt at kick plus interest");
        }
    }

    /// @dev 4 (static). Nothing is ever put under auction with fixed prices.
    function _assertNothingUnderAuction() internal view {
        assertEq(auctionHouse.auctionCount(), 0, "auction started with fixed prices");
        assertEq(breaker.globalView().globalDebtUnderAuction, 0, "debt under auction with fixed prices");
    }

    /// @dev 5. No call other than a price move, poke or time warp turned a vault with HF >= 1 into one
    /// with HF < 1 (checked by the handler around every call, for every vault).
    function _assertHealthyStaysHealthy() internal view {
        _assertNoViolation(_ph().V_HEALTH());
    }

    /// @dev 6. Right after each successful borrow or withdraw, HF >= 1 under initial haircuts.
    function _assertInitialHealthAfterRiskIncrease() internal view {
        _assertNoViolation(_ph().V_INITIAL_HEALTH());
    }

    /// @dev 7. convertToAssets(1e18) never falls, except in a call that socialised bad debt.
    function _assertSharePrice() internal view {
        ProtocolHandler h = _ph();
        assertEq(h.sharePriceViolations(), 0, h.firstSharePriceViolation());
        assertEq(h.lastSharePrice(), pool.convertToAssets(1e18), "share price moved outside the handler");
    }

    /// @dev 8. The insurance fund's base balance is exactly penalties in minus what payouts took from it;
    /// its value moves per call only by its listed flows (penalties, keeper rewards, bad-debt cover,
    /// reserve shares of interest accrued in that call, its share of socialised bad debt) within
    /// rounding; keeper rewards stay within tip + chip x tab.
    function _assertInsuranceFund() internal view {
        ProtocolHandler h = _ph();
        assertEq(usdc.balanceOf(address(fund)), h.ghostFundBalance(), "fund balance != ghost");
        assertEq(h.fundFlowViolations(), 0, h.firstFundFlowViolation());
        assertEq(h.incentiveViolations(), 0, h.firstIncentiveViolation());
        assertLe(h.ghostFundBalance(), h.ghostPenalties() + fundSeed, "fund balance above its inflows");
    }

    /// @dev 9. Repay and deposit never revert with a breaker or pause error (a deposit into a vault
    /// without debt during a guardian Deposit pause or freeze is the documented exception, counted apart).
    function _assertRepayDepositUnblocked() internal view {
        _assertNoViolation(_ph().V_BREAKER_BLOCK());
    }

    /// @dev 10. No open auction has a tab or lot below dust, as far as the auction house promises:
    /// (a) tab >= dust unless the auction was never taken and its kick took the vault's whole debt or
    ///     whole position (the only ways an auction starts below dust);
    /// (b) after a take that left it open, its lot was worth >= dust at that take's price, and its tab
    ///     is >= dust;
    /// (c) a kick with a tab of at least dust put up a lot worth at least dust at the kick's price.
    function _assertNoDustAuctions() internal view {
        ProtocolHandler h = _ph();
        _assertNoViolation(h.V_DUST());
        uint256 n = auctionHouse.auctionCount();
        for (uint256 id = 1; id <= n; ++id) {
            IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(id);
            if (!s.active) continue;
            ProtocolHandler.AuctionGhost memory g = h.auctionGhost(id);
            if (s.tab < DUST) {
                assertTrue(g.takes == 0 && (g.wholeDebt || g.wholePosition), "open auction below dust");
            }
            if (g.takes != 0) {
                assertGe(_baseValueDown(s.asset, s.lot, g.lastTakePrice), DUST, "dust lot left by a take");
                assertGe(s.tab, DUST, "dust tab left by a take");
            }
        }
    }

    /// @dev Call summary: successes <= attempts per action, and every call the handler's bounds make
    /// certain to succeed did (fail-on-revert strictness inside the handler).
    function _assertCallSummaryAndStrictness() internal view {
        _assertCallCounts();
        _assertNoViolation(_ph().V_STRICT());
    }

    /// @dev Walk actions 0..7, the borrower and lender actions of {BorrowLendHandler} that both flavours
    /// share (in its id order), with the seeds decoded from `r` as every flavour's `_act` decodes them.
    function _actBorrowLend(BorrowLendHandler h, uint256 a, uint256 r) internal {
        uint256 x = r >> 8;
        uint256 y = r >> 80;
        uint256 z = r >> 160;
        if (a == 0) h.openVault(x, y, z, r >> 40);
        else if (a == 1) h.deposit(x, y, z);
        else if (a == 2) h.withdraw(x, y, z);
        else if (a == 3) h.borrow(x, y);
        else if (a == 4) h.repay(x, y, z % 2 == 0);
        else if (a == 5) h.lenderDeposit(x, y);
        else if (a == 6) h.lenderWithdraw(x, y);
        else h.warp(x, y % 2 == 0);
    }
}
