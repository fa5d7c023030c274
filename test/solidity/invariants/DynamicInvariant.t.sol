// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BreakwaterSystem} from "../utils/SystemBase.sol";
import {BreakerSystem} from "../utils/BreakerSystemBase.sol";
import {BorrowLendHandler} from "./BorrowLendHandler.sol";
import {ProtocolHandler} from "./ProtocolHandler.sol";
import {ProtocolProperties} from "./ProtocolProperties.sol";
import {Action} from "../../../contracts/interfaces/ICircuitBreaker.sol";
import {VaultId} from "../../../contracts/libraries/Types.sol";

/// @notice Dynamic flavour: the borrower and lender actions of the static flavour, plus moving prices
/// (the mock Chainlink feeds) and oracle pokes, margin calls, kicks, takes, resets, bad-debt
/// realisations, and the circuit breaker wired as in {BreakerSystemBase} (small throttle caps): anyone
/// trips it, a guardian pauses actions and freezes assets, governance lifts them early. Right after a
/// pause, freeze or trip the handler tries a repayment and a deposit into a vault with debt.
contract DynamicHandler is BorrowLendHandler {
    uint256 internal immutable A_PRICE;
    uint256 internal immutable A_POKE;
    uint256 internal immutable A_FLAG;
    uint256 internal immutable A_KICK;
    uint256 internal immutable A_TAKE;
    uint256 internal immutable A_RESET;
    uint256 internal immutable A_BAD_DEBT;
    uint256 internal immutable A_TRIP;
    uint256 internal immutable A_PAUSE;
    uint256 internal immutable A_FREEZE;
    uint256 internal immutable A_LIFT;

    /// @dev The access manager's admin (the test contract): guardian and governance in one.
    address internal immutable admin;

    constructor(BreakwaterSystem memory s, BreakerSystem memory b, address admin_) {
        A_PRICE = _addAction("movePrice");
        A_POKE = _addAction("poke");
        A_FLAG = _addAction("flag");
        A_KICK = _addAction("kick");
        A_TAKE = _addAction("take");
        A_RESET = _addAction("reset");
        A_BAD_DEBT = _addAction("realiseBadDebt");
        A_TRIP = _addAction("trip");
        A_PAUSE = _addAction("guardianPause");
        A_FREEZE = _addAction("guardianFreeze");
        A_LIFT = _addAction("governanceLift");
        admin = admin_;
        _adoptAndSeed(s, b);
        // Vaults close to their limit (so a dip puts them in shortfall), one mixed, one with room.
        _seedVault(0, address(weth), 400_000, 0.95e18);
        _seedVault(1, address(wbtc), 120_000, 0.95e18);
        _seedVault(2, address(link), 60_000, 0.95e18);
        VaultId mixed = _seedVault(0, address(weth), 20_000, 0);
        _deposit(borrowers[0], mixed, address(link), _amountForUsd(address(link), 10_000));
        _borrow(borrowers[0], mixed, (engine.maxBorrow(mixed) * 95) / 100);
        _seedVault(1, address(link), 40_000, 0.7e18);
        // The tracker's window high starts at today's prices, so the price-drop breaker can trip.
        for (uint256 i; i < collaterals.length; ++i) oracle.poke(collaterals[i]);
        _startGhosts();
        // The fully borrowed vaults in shortfall, LINK's further 35% fall a trippable drop, one vault
        // flagged and one auction started.
        _dipFlagAndKick(A_FLAG, A_KICK);
        // The LINK vault (below the hard floor: kicked at once, its kick trips LINK's breaker) puts its
        // whole position up; 50 minutes down the curve one take buys the lot for less than the tab,
        // so the rest of its debt returns to a vault without collateral: bad debt to realise.
        _countCall(A_KICK);
        _kick(vaults[2], address(link), A_KICK);
        _warp(50 minutes);
        _countCall(A_TAKE);
        _takeSome(A_TAKE, A_RESET, auctionHouse.auctionCount() - 1, 0);
        lastSharePrice = _sharePrice();
    }

    function _maxWarp() internal pure override returns (uint256) {
        return 1 days;
    }

    // ------------------------------------------------------------------ market

    function movePrice(uint256 assetSeed, uint256 moveSeed) external trackedMarket(A_PRICE) {
        _movePrices(assetSeed, moveSeed);
        _succeeded(A_PRICE);
    }

    /// @dev Updates one collateral's tracker (window high, volatility): a price-side action.
    function poke(uint256 assetSeed) external trackedMarket(A_POKE) {
        try oracle.poke(_collateral(assetSeed)) {
            _succeeded(A_POKE);
        } catch {}
    }

    // ------------------------------------------------------------------ keepers

    function flag(uint256 vaultSeed) external tracked(A_FLAG) {
        _tryFlag(vaultSeed, A_FLAG);
    }

    /// @dev Kicks the first kickable (vault, collateral); when there is none, flags instead.
    function kick(uint256 vaultSeed, uint256 assetSeed) external tracked(A_KICK) {
        if (!_tryKick(vaultSeed, assetSeed, A_KICK)) {
            _countCall(A_FLAG); // counted as a flag attempt
            _tryFlag(vaultSeed, A_FLAG);
        }
    }

    function take(uint256 auctionSeed, uint256 fracSeed) external tracked(A_TAKE) {
        _takeSome(A_TAKE, A_RESET, auctionSeed, fracSeed);
    }

    function reset(uint256 auctionSeed) external tracked(A_RESET) {
        _resetSome(A_RESET, auctionSeed);
    }

    function realiseBadDebt(uint256 vaultSeed) external tracked(A_BAD_DEBT) {
        _realiseSome(A_BAD_DEBT, vaultSeed);
    }

    // ------------------------------------------------------------------ breakers

    /// @dev Anyone may trip the price-drop breaker of a collateral (NoPriceDrop etc. otherwise).
    function trip(uint256 assetSeed, uint256 vaultSeed) external tracked(A_TRIP) {
        address asset = _collateral(assetSeed);
        try breaker.trip(asset) {
            _succeeded(A_TRIP);
            _blockedUntil = Math.max(_blockedUntil, breaker.assetView(asset).trippedUntil);
            _probeRiskReducers(vaultSeed, asset);
        } catch {}
    }

    /// @dev The guardian pauses one action for 10 minutes .. 12 hours (PauseCooldown otherwise).
    function guardianPause(uint256 actionSeed, uint256 durationSeed, uint256 vaultSeed) external tracked(A_PAUSE) {
        uint256 duration = bound(durationSeed, 10 minutes, 12 hours);
        vm.prank(admin);
        try breaker.pause(Action(actionSeed % 7), duration) {
            _succeeded(A_PAUSE);
            _blockedUntil = Math.max(_blockedUntil, block.timestamp + duration);
            _probeRiskReducers(vaultSeed, _collateral(vaultSeed >> 8));
        } catch {}
    }

    /// @dev The guardian freezes one collateral for 10 minutes .. 12 hours (FreezeCooldown otherwise).
    function guardianFreeze(uint256 assetSeed, uint256 durationSeed, uint256 vaultSeed) external tracked(A_FREEZE) {
        address asset = _collateral(assetSeed);
        uint256 duration = bound(durationSeed, 10 minutes, 12 hours);
        vm.prank(admin);
        try breaker.freeze(asset, duration) {
            _succeeded(A_FREEZE);
            _blockedUntil = Math.max(_blockedUntil, block.timestamp + duration);
            _probeRiskReducers(vaultSeed, asset);
        } catch {}
    }

    /// @dev Governance lifts one pause, freeze or trip early (a grace period follows).
    function governanceLift(uint256 seed) external tracked(A_LIFT) {
        uint256 kind = seed % 3;
        address asset = _collateral(seed >> 2);
        vm.prank(admin);
        if (kind == 0) {
            try breaker.unpause(Action((seed >> 4) % 7)) {
                _succeeded(A_LIFT);
            } catch {}
        } else if (kind == 1) {
            try breaker.unfreeze(asset) {
                _succeeded(A_LIFT);
            } catch {}
        } else {
            try breaker.clearTrip(asset) {
                _succeeded(A_LIFT);
            } catch {}
        }
    }

    /// @dev While the new block is in force: a partial repayment and a deposit of `asset` into the
    /// first vault with debt and collateral (property 9: neither may fail because of it; a vault with
    /// debt and no collateral is left for the bad-debt realisation).
    function _probeRiskReducers(uint256 vaultSeed, address asset) internal {
        for (uint256 k; k < vaults.length; ++k) {
            VaultId id = vaults[(vaultSeed + k) % vaults.length];
            uint256 debt = engine.debtOf(id);
            if (debt == 0 || engine.collateralsOf(id).length == 0) continue;
            _countCall(A_REPAY);
            _doRepay(A_REPAY, id, debt > MIN_DEBT + 1 ? Math.min(debt - MIN_DEBT - 1, 1_000e6) : type(uint256).max);
            uint256 amount = _amountForUsd(asset, 1_000);
            if (amount != 0) {
                _countCall(A_DEPOSIT);
                _doDeposit(A_DEPOSIT, id, asset, amount);
            }
            return;
        }
    }
}

/// @notice The ten named properties of issue 7 with moving prices, liquidations, interest, breaker
/// trips, pauses and time warps, one `invariant_` each (runs x depth from hardhat.config.ts: 64 x 32,
/// failOnRevert false; the handler try/catches and records any revert its bounds rule out).
contract DynamicInvariantTest is ProtocolProperties {
    DynamicHandler internal handler;

    function setUp() public {
        _deploySystemWithBreaker();
        fundSeed = 1_000e6; // the handler's seed of base tokens (before the setUp kick's keeper reward)
        handler = new DynamicHandler(_system(), _breakerSystem(), address(this));
    }

    function _ph() internal view override returns (ProtocolHandler) {
        return handler;
    }

    /// @notice 1. pool assets = cash + total borrowed (with interest) - realised bad debt, exactly.
    function invariant_poolAssetsEqualCashPlusBorrowedMinusBadDebt() public view {
        _assertPoolAssets();
    }

    /// @notice 2. sum of vault debts = total debt recorded.
    function invariant_vaultDebtsSumToTotalDebt() public view {
        _assertDebtSums();
    }

    /// @notice 3. collateral tokens held = vault collateral + collateral in open auctions.
    function invariant_collateralHeldEqualsPositionsPlusLots() public view {
        _assertCollateralHeld();
    }

    /// @notice 4. debt under auction = sum of the open auctions' debt at kick <= caps.
    function invariant_debtUnderAuctionWithinCaps() public view {
        _assertDebtUnderAuction();
    }

    /// @notice 5. only price moves, interest and time turn a healthy vault unhealthy.
    function invariant_onlyMarketAndTimeMakeVaultsUnhealthy() public view {
        _assertHealthyStaysHealthy();
    }

    /// @notice 6. a vault that borrowed or withdrew has HF >= 1 under initial haircuts at that moment.
    function invariant_riskIncreaseLeavesInitialHealth() public view {
        _assertInitialHealthAfterRiskIncrease();
    }

    /// @notice 7. the share price never decreases except by realised bad debt.
    function invariant_sharePriceOnlyFallsWithBadDebt() public view {
        _assertSharePrice();
    }

    /// @notice 8. the insurance fund's balance changes only by its listed flows.
    function invariant_insuranceFundFlows() public view {
        _assertInsuranceFund();
    }

    /// @notice 9. repay and deposit never revert because of a breaker or pause.
    function invariant_repayAndDepositNeverBlocked() public view {
        _assertRepayDepositUnblocked();
    }

    /// @notice 10. no open auction has a lot or tab below dust.
    function invariant_noDustAuctions() public view {
        _assertNoDustAuctions();
    }

    /// @notice Call summary and strictness: successes <= attempts, bounded calls never reverted, a
    /// kick that canKick approved went through, auctions = successful kicks.
    function invariant_callSummary() public view {
        _assertCallSummaryAndStrictness();
        assertEq(handler.unexpectedKickReverts(), 0, handler.firstUnexpectedKickRevert());
        (, uint256 kicks) = handler.callsOf(11);
        assertEq(auctionHouse.auctionCount(), kicks, "auctions != successful kicks");
        (, uint256 badDebts) = handler.callsOf(14);
        assertEq(badDebts, handler.ghostBadDebtRealisations(), "bad-debt count");
    }

    /// @notice A fixed walk of 3 x 48 steps with every invariant after every step: every action
    /// completes at least once, repayments and deposits were tried while a block was in force, and
    /// the per-call ghost checks really ran.
    function test_handlerRandomWalk() public {
        WalkTotals memory t = _walk("dynamic-walk", 3, 48, 4);
        _assertEveryActionSucceeded(t);
        assertGt(t.ghosts[0], 0, "walk: no repayment while blocked");
        assertGt(t.ghosts[1], 0, "walk: no deposit while blocked");
        assertGt(t.ghosts[2], 0, "walk: no health comparison made");
        assertGt(t.ghosts[3], 0, "walk: no penalty collected");
    }

    function _collectWalk(uint256[] memory acc) internal view override {
        acc[0] += handler.ghostRepaysWhileBlocked();
        acc[1] += handler.ghostDepositsWhileBlocked();
        acc[2] += handler.ghostHealthChecks();
        acc[3] += handler.ghostPenalties();
    }

    function _act(uint256 r) internal override {
        uint256 a = r % 19;
        uint256 x = r >> 8;
        uint256 y = r >> 80;
        uint256 z = r >> 160;
        if (a < 8) _actBorrowLend(handler, a, r);
        else if (a == 8) handler.movePrice(x, y);
        else if (a == 9) handler.poke(x);
        else if (a == 10) handler.flag(x);
        else if (a == 11) handler.kick(x, y);
        else if (a == 12) handler.take(x, y);
        else if (a == 13) handler.reset(x);
        else if (a == 14) handler.realiseBadDebt(x);
        else if (a == 15) handler.trip(x, y);
        else if (a == 16) handler.guardianPause(x, y, z);
        else if (a == 17) handler.guardianFreeze(x, y, z);
        else handler.governanceLift(x);
    }

    function _checkAll() internal view override {
        invariant_poolAssetsEqualCashPlusBorrowedMinusBadDebt();
        invariant_vaultDebtsSumToTotalDebt();
        invariant_collateralHeldEqualsPositionsPlusLots();
        invariant_debtUnderAuctionWithinCaps();
        invariant_onlyMarketAndTimeMakeVaultsUnhealthy();
        invariant_riskIncreaseLeavesInitialHealth();
        invariant_sharePriceOnlyFallsWithBadDebt();
        invariant_insuranceFundFlows();
        invariant_repayAndDepositNeverBlocked();
        invariant_noDustAuctions();
        invariant_callSummary();
    }
}
