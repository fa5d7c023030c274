// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BreakwaterSystem} from "./utils/SystemBase.sol";
import {HandlerBase} from "./invariants/HandlerBase.sol";
import {InvariantSuite} from "./invariants/InvariantSuite.sol";
import {ProtocolHandler} from "./invariants/ProtocolHandler.sol";
import {IAuctionHouse} from "../../contracts/interfaces/IAuctionHouse.sol";
import {VaultId} from "../../contracts/libraries/Types.sol";

/// @notice Bounded actions on the real system by a few actors, with ghost accounting. Every protocol
/// call that may legitimately revert is wrapped in try/catch; the call summary counts attempts and
/// the calls that went through. Per-call checks that need the state before the call (share price,
/// insurance-fund flows) are evaluated in the shared {ProtocolHandler}, after the call, and recorded
/// as violations that the invariants assert to be zero (with the first one's description kept).
contract LiquidationHandler is ProtocolHandler {
    // ------------------------------------------------------------------ actions (ids in order)
    uint256 internal constant A_DEPOSIT = 0;
    uint256 internal constant A_WITHDRAW = 1;
    uint256 internal constant A_BORROW = 2;
    uint256 internal constant A_REPAY = 3;
    uint256 internal constant A_PRICE = 4;
    uint256 internal constant A_WARP = 5;
    uint256 internal constant A_FLAG = 6;
    uint256 internal constant A_KICK = 7;
    uint256 internal constant A_TAKE = 8;
    uint256 internal constant A_RESET = 9;
    uint256 internal constant A_BAD_DEBT = 10;
    uint256 internal constant A_LEND = 11;
    uint256 internal constant A_REDEEM = 12;
    uint256 internal constant A_POKE = 13;

    constructor(BreakwaterSystem memory s) {
        _addAction("deposit");
        _addAction("withdraw");
        _addAction("borrow");
        _addAction("repay");
        _addAction("movePrice");
        _addAction("warp");
        _addAction("flag");
        _addAction("kick");
        _addAction("take");
        _addAction("reset");
        _addAction("realiseBadDebt");
        _addAction("lenderDeposit");
        _addAction("lenderWithdraw");
        _addAction("poke");
        _adopt(s);
        for (uint256 i; i < borrowers.length; ++i) _fundAccount(borrowers[i]);
        _fundAccount(lenders[0]);
        _fundAccount(lenders[1]);
        _fundAccount(TAKER);
        _lenderDeposit(lenders[0], 2_000_000e6);
        _lenderDeposit(lenders[1], 500_000e6);
        // Two vaults per borrower; the first four start borrowed close to their limit.
        for (uint256 i; i < 6; ++i) vaults.push(_openVault(borrowers[i / 2]));
        _seed(0, address(weth), 400_000);
        _seed(1, address(wbtc), 600_000);
        _seed(2, address(link), 500_000);
        _seed(3, address(weth), 20_000);
        _deposit(engine.ownerOf(vaults[3]), vaults[3], address(link), _amountForUsd(address(link), 10_000));
        // The fund starts with some base tokens and pool shares, so payouts use both sources early.
        usdc.mint(address(fund), 1_000e6);
        vm.prank(lenders[1]);
        pool.deposit(20_000e6, address(fund));
        _startGhosts();
        // The WETH vaults in margin shortfall, the LINK vault under water, one flagged, one auction running.
        _dipFlagAndKick(A_FLAG, A_KICK);
        lastSharePrice = _sharePrice();
    }

    function _seed(uint256 v, address asset, uint256 usd) internal {
        VaultId id = vaults[v];
        address owner = engine.ownerOf(id);
        _deposit(owner, id, asset, _amountForUsd(asset, usd));
        _borrow(owner, id, (engine.maxBorrow(id) * 95) / 100);
    }

    // ------------------------------------------------------------------ actor actions

    function deposit(uint256 vaultSeed, uint256 assetSeed, uint256 usdSeed) external tracked(A_DEPOSIT) {
        VaultId id = _vault(vaultSeed);
        address asset = collaterals[assetSeed % 3];
        uint256 amount = _amountForUsd(asset, bound(usdSeed, 50, 200_000));
        if (amount == 0) return;
        _doDeposit(A_DEPOSIT, id, asset, amount);
    }

    function withdraw(uint256 vaultSeed, uint256 assetSeed, uint256 fracSeed) external tracked(A_WITHDRAW) {
        VaultId id = _vault(vaultSeed);
        address asset = collaterals[assetSeed % 3];
        uint256 held = engine.collateralAmount(id, asset);
        if (held == 0) return;
        _doWithdraw(A_WITHDRAW, id, asset, Math.max(1, Math.mulDiv(held, bound(fracSeed, 1, WAD), WAD)));
    }

    function borrow(uint256 vaultSeed, uint256 fracSeed) external tracked(A_BORROW) {
        VaultId id = _vault(vaultSeed);
        uint256 maxB;
        try engine.maxBorrow(id) returns (uint256 m) {
            maxB = m;
        } catch {
            return;
        }
        uint256 amount = Math.mulDiv(maxB, bound(fracSeed, 0.5e18, WAD), WAD);
        if (amount == 0) return;
        _doBorrow(A_BORROW, id, amount, maxB);
    }

    function repay(uint256 vaultSeed, uint256 fracSeed, bool all) external tracked(A_REPAY) {
        VaultId id = _vault(vaultSeed);
        uint256 debt = engine.debtOf(id);
        if (debt == 0) return;
        uint256 amount = all ? type(uint256).max : Math.max(1, Math.mulDiv(debt, bound(fracSeed, 1, WAD), WAD));
        _doRepay(A_REPAY, id, amount);
    }

    /// @dev Moves prices by up to +-30% (see {HandlerBase-_movePrices}).
    function movePrice(uint256 assetSeed, uint256 moveSeed) external tracked(A_PRICE) {
        _movePrices(assetSeed, moveSeed);
        _succeeded(A_PRICE);
    }

    /// @dev Up to one day; every feed is refreshed so none goes stale. With `accrue`, interest is
    /// brought up to date at once (else the next protocol call accrues it).
    function warp(uint256 dtSeed, bool accrue) external tracked(A_WARP) {
        // Half the warps within an auction's life (<= 1 h), half up to a day.
        _timeWarp(dtSeed % 2 == 0 ? bound(dtSeed >> 1, 1, 1 hours) : bound(dtSeed >> 1, 1, 1 days), accrue);
        _succeeded(A_WARP);
    }

    function poke(uint256 assetSeed) external tracked(A_POKE) {
        try oracle.poke(collaterals[assetSeed % 3]) {
            _succeeded(A_POKE);
        } catch {}
    }

    function flag(uint256 vaultSeed) external tracked(A_FLAG) {
        _tryFlag(vaultSeed, A_FLAG);
    }

    /// @dev A keeper bot: kicks the first kickable (vault, collateral) from a random starting point;
    /// when there is none, flags the first unflagged vault in margin shortfall instead.
    function kick(uint256 vaultSeed, uint256 assetSeed) external tracked(A_KICK) {
        if (!_tryKick(vaultSeed, assetSeed, A_KICK)) {
            _countCall(A_FLAG); // counted as a flag attempt
            _tryFlag(vaultSeed, A_FLAG);
        }
    }

    /// @dev Takes a random fraction of a random open auction's lot at whatever the price is (a taker
    /// that finds the auction stale resets it first, as a keeper would).
    function take(uint256 auctionSeed, uint256 fracSeed) external tracked(A_TAKE) {
        _takeSome(A_TAKE, A_RESET, auctionSeed, fracSeed);
    }

    function reset(uint256 auctionSeed) external tracked(A_RESET) {
        _resetSome(A_RESET, auctionSeed);
    }

    function realiseBadDebt(uint256 vaultSeed) external tracked(A_BAD_DEBT) {
        _realiseSome(A_BAD_DEBT, vaultSeed);
    }

    function lenderDeposit(uint256 lenderSeed, uint256 amountSeed) external tracked(A_LEND) {
        _doLend(A_LEND, lenders[lenderSeed % 2], bound(amountSeed, 1e6, 1_000_000e6));
    }

    function lenderWithdraw(uint256 lenderSeed, uint256 fracSeed) external tracked(A_REDEEM) {
        address lender = lenders[lenderSeed % 2];
        uint256 amount = Math.mulDiv(pool.maxWithdraw(lender), bound(fracSeed, 0, WAD), WAD);
        if (amount == 0) return;
        _doRedeem(A_REDEEM, lender, amount);
    }
}

/// @notice Handler-based invariants of the liquidation system (runs x depth from hardhat.config.ts:
/// 64 x 32, failOnRevert false; the handler also try/catches its protocol calls).
contract LiquidationInvariantTest is InvariantSuite {
    LiquidationHandler internal handler;

    function setUp() public {
        _deploySystem();
        handler = new LiquidationHandler(_system());
    }

    function _handler() internal view override returns (HandlerBase) {
        return handler;
    }

    /// @notice ERC-4626 accounting identity, including pending interest.
    function invariant_poolAssetsEqualCashPlusDebt() public view {
        assertEq(pool.totalAssets(), pool.cash() + pool.totalDebt(), "totalAssets != cash + totalDebt");
        assertGe(usdc.balanceOf(address(pool)), pool.cash(), "cash not backed by tokens");
    }

    /// @notice pool.totalScaledDebt == sum of vault scaled debts + sum of open auctions' scaled debt.
    function invariant_scaledDebtReconciles() public view {
        _assertScaledDebtReconciles("totalScaledDebt != vaults + open auctions");
    }

    /// @notice Per collateral: tokens held by the engine == sum of positions + open lots.
    function invariant_collateralReconciles() public view {
        _assertCollateralReconciles("engine balance != positions + open lots");
    }

    /// @notice What the auction house actually guarantees about dust, for every open auction:
    /// (a) tab >= dust, unless the auction has never been taken and its kick took the vault's whole
    ///     debt or the whole position (the only ways `_sizeAuction` starts below dust: the debt to
    ///     cover was raised to dust / (1 + penalty) and then cut to the whole debt, or to the
    ///     collateral's capacity, which then also puts the whole position in the lot). A successful
    ///     partial take leaves tab >= dust (or reverts), and the tab only grows with interest.
    /// (b) after a take that left it open, its lot was worth >= dust at that take's price. The lot
    ///     does not change until the next take, but its value at the *current* price keeps falling
    ///     with the curve, so the check uses the last take's price, not the current one.
    function invariant_noDustAuctions() public view {
        uint256 n = auctionHouse.auctionCount();
        for (uint256 id = 1; id <= n; ++id) {
            IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(id);
            if (!s.active) continue;
            ProtocolHandler.AuctionGhost memory g = handler.auctionGhost(id);
            if (s.tab < DUST) {
                assertTrue(g.takes == 0 && (g.wholeDebt || g.wholePosition), "open auction below dust");
            }
            if (g.takes != 0) {
                assertGe(_baseValueDown(s.asset, s.lot, g.lastTakePrice), DUST, "dust lot left by a take");
                assertGe(s.tab, DUST, "dust tab left by a take");
            }
        }
    }

    /// @notice convertToAssets(1e18) never falls, except in a call that socialised bad debt.
    function invariant_sharePriceOnlyFallsWithBadDebt() public view {
        assertEq(handler.sharePriceViolations(), 0, handler.firstSharePriceViolation());
        assertEq(handler.lastSharePrice(), pool.convertToAssets(1e18), "share price moved outside the handler");
    }

    /// @notice The insurance fund's base balance is exactly penalties in minus what payouts took
    /// from it; its total value (balance + pool shares) moves per call only by penalties in, keeper
    /// rewards and bad-debt cover out, reserve shares from interest accrued in that call (<= the
    /// pending reserve fee), and its share of socialised bad debt, within FUND_TOL base units of
    /// rounding; pool shares are only minted by an accrual and only burnt by a payout; keeper
    /// rewards stay within tip + chip x tab.
    function invariant_insuranceFundFlows() public view {
        assertEq(usdc.balanceOf(address(fund)), handler.ghostFundBalance(), "fund balance != ghost");
        assertEq(handler.fundFlowViolations(), 0, handler.firstFundFlowViolation());
        assertEq(handler.incentiveViolations(), 0, handler.firstIncentiveViolation());
        // The balance only ever received penalties.
        assertLe(handler.ghostFundBalance(), handler.ghostPenalties(), "fund balance above penalties received");
    }

    /// @notice Liveness: a kick that `canKick` approves in the very same state goes through.
    function invariant_canKickImpliesKick() public view {
        assertEq(handler.unexpectedKickReverts(), 0, handler.firstUnexpectedKickRevert());
    }

    /// @notice Bonus: per collateral, the engine's debt-ceiling bookkeeping equals the sum of the
    /// vaults' attributions.
    function invariant_attributionReconciles() public view {
        uint256 n = engine.vaultCount();
        for (uint256 i; i < collaterals.length; ++i) {
            uint256 sum;
            for (uint256 id = 1; id <= n; ++id) sum += engine.attributedScaledDebt(VaultId.wrap(id), collaterals[i]);
            assertEq(engine.scaledDebtBackedBy(collaterals[i]), sum, "scaledDebtBacked != sum of attributions");
        }
    }

    /// @notice Deterministic random walks through the handler (the same action mix as the fuzzer,
    /// seeded by keccak), checking every invariant after every step. Unlike the fuzzer's runs this
    /// walk is fixed, so it can assert that liquidations really happened in it.
    function test_handlerRandomWalk() public {
        WalkTotals memory t = _walk("walk", WALKS, WALK_DEPTH, 5);
        uint256[] memory totalOk = t.successes;
        uint256[] memory ghosts = t.ghosts;
        // This fixed walk does liquidate: kicks, takes, resets and a bad-debt realisation with a
        // loss socialised (8 x 64 steps gave 18 kicks, 25 takes, 13 resets, 1 realisation).
        assertGe(totalOk[A_KICK_], 5, "walk: kicks");
        assertGe(totalOk[A_TAKE_], 5, "walk: takes");
        assertGe(totalOk[A_RESET_], 1, "walk: resets");
        assertGe(totalOk[A_BAD_DEBT_], 1, "walk: bad debt");
        assertGt(ghosts[0], 0, "walk: penalties");
        assertGt(ghosts[1], 0, "walk: keeper rewards");
    }

    function _collectWalk(uint256[] memory acc) internal view override {
        acc[0] += handler.ghostPenalties();
        acc[1] += handler.ghostKeeperRewards();
        acc[2] += handler.ghostBadDebtCovered();
        acc[3] += handler.ghostSocialised();
        acc[4] += handler.ghostSharePriceDropsWithBadDebt();
    }

    uint256 internal constant WALKS = 8;
    uint256 internal constant A_KICK_ = 7;
    uint256 internal constant A_TAKE_ = 8;
    uint256 internal constant A_RESET_ = 9;
    uint256 internal constant A_BAD_DEBT_ = 10;
    uint256 internal constant WALK_DEPTH = 64;

    function _act(uint256 r) internal override {
        uint256 a = r % 14;
        uint256 x = r >> 8;
        uint256 y = r >> 80;
        uint256 z = r >> 160;
        if (a == 0) handler.deposit(x, y, z);
        else if (a == 1) handler.withdraw(x, y, z);
        else if (a == 2) handler.borrow(x, y);
        else if (a == 3) handler.repay(x, y, z % 2 == 0);
        else if (a == 4) handler.movePrice(x, y);
        else if (a == 5) handler.warp(x, y % 2 == 0);
        else if (a == 6) handler.flag(x);
        else if (a == 7) handler.kick(x, y);
        else if (a == 8) handler.take(x, y);
        else if (a == 9) handler.reset(x);
        else if (a == 10) handler.realiseBadDebt(x);
        else if (a == 11) handler.lenderDeposit(x, y);
        else if (a == 12) handler.lenderWithdraw(x, y);
        else handler.poke(x);
    }

    function _checkAll() internal view override {
        invariant_poolAssetsEqualCashPlusDebt();
        invariant_scaledDebtReconciles();
        invariant_collateralReconciles();
        invariant_noDustAuctions();
        invariant_sharePriceOnlyFallsWithBadDebt();
        invariant_insuranceFundFlows();
        invariant_canKickImpliesKick();
        invariant_attributionReconciles();
        invariant_callSummary();
    }

    /// @notice Plausibility of the call counts (never fails just because an action never succeeded):
    /// successes <= attempts, and the auction house's own counters agree with the handler's.
    function invariant_callSummary() public view {
        for (uint256 a; a < 14; ++a) {
            (uint256 c, uint256 s) = handler.callsOf(a);
            assertLe(s, c, "more successes than calls");
        }
        (, uint256 kicks) = handler.callsOf(7);
        (, uint256 takes) = handler.callsOf(8);
        (, uint256 resets) = handler.callsOf(9);
        assertEq(auctionHouse.auctionCount(), kicks, "auctions != successful kicks");
        if (kicks == 0) {
            assertEq(takes, 0, "take without a kick");
            assertEq(resets, 0, "reset without a kick");
        }
        assertLe(_openAuctionCount(), kicks, "open auctions > kicks");
        (, uint256 badDebts) = handler.callsOf(10);
        assertEq(badDebts, handler.ghostBadDebtRealisations(), "bad-debt count");
    }
}
