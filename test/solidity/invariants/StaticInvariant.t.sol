// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BreakwaterSystem} from "../utils/SystemBase.sol";
import {BreakerSystem} from "../utils/BreakerSystemBase.sol";
import {BorrowLendHandler} from "./BorrowLendHandler.sol";
import {ProtocolHandler} from "./ProtocolHandler.sol";
import {ProtocolProperties} from "./ProtocolProperties.sol";

/// @notice Static flavour: prices never move. Borrowers open vaults, deposit, withdraw, borrow and
/// repay; lenders deposit and withdraw; time passes (interest accrues, up to three days a warp). The
/// circuit breaker is wired (as in {BreakerSystemBase}) but nobody pauses or trips it.
contract StaticHandler is BorrowLendHandler {
    constructor(BreakwaterSystem memory s, BreakerSystem memory b) {
        _adoptAndSeed(s, b);
        _seedVault(0, address(weth), 400_000, 0.95e18);
        _seedVault(1, address(wbtc), 200_000, 0.8e18);
        _seedVault(2, address(link), 100_000, 0.6e18);
        _deposit(
            borrowers[0],
            _seedVault(0, address(link), 30_000, 0),
            address(weth),
            _amountForUsd(address(weth), 30_000)
        );
        _borrow(borrowers[0], vaults[3], (engine.maxBorrow(vaults[3]) * 9) / 10);
        _seedVault(1, address(weth), 5_000, 0);
        _startGhosts();
    }

    function _maxWarp() internal pure override returns (uint256) {
        return 3 days;
    }
}

/// @notice The named properties of issue 7 that apply with fixed prices, one `invariant_` each
/// (32 runs per invariant by inline config, depth 32 and failOnRevert false from hardhat.config.ts;
/// the handler try/catches and records any revert its bounds rule out). Fewer runs than the dynamic
/// flavour: this one has no liquidation paths to explore, and every call compares all vaults' health.
/// Property 10 (dust auctions) needs liquidations: see {DynamicInvariantTest}.
contract StaticInvariantTest is ProtocolProperties {
    StaticHandler internal handler;

    function setUp() public {
        _deploySystemWithBreaker();
        handler = new StaticHandler(_system(), _breakerSystem());
        fundSeed = usdc.balanceOf(address(fund));
    }

    function _ph() internal view override returns (ProtocolHandler) {
        return handler;
    }

    /// @notice 1. pool assets = cash + total borrowed (with interest) - realised bad debt, exactly.
    /// hardhat-config: invariant.runs = 32
    function invariant_poolAssetsEqualCashPlusBorrowedMinusBadDebt() public view {
        _assertPoolAssets();
    }

    /// @notice 2. sum of vault debts = total debt recorded.
    /// hardhat-config: invariant.runs = 32
    function invariant_vaultDebtsSumToTotalDebt() public view {
        _assertDebtSums();
    }

    /// @notice 3. collateral tokens held = vault collateral + collateral in open auctions.
    /// hardhat-config: invariant.runs = 32
    function invariant_collateralHeldEqualsPositionsPlusLots() public view {
        _assertCollateralHeld();
    }

    /// @notice 4. debt under auction = sum of open tabs <= caps: with fixed prices, none at all.
    /// hardhat-config: invariant.runs = 32
    function invariant_debtUnderAuctionWithinCaps() public view {
        _assertNothingUnderAuction();
    }

    /// @notice 5. only price moves, interest and time turn a healthy vault unhealthy.
    /// hardhat-config: invariant.runs = 32
    function invariant_onlyMarketAndTimeMakeVaultsUnhealthy() public view {
        _assertHealthyStaysHealthy();
    }

    /// @notice 6. a vault that borrowed or withdrew has HF >= 1 under initial haircuts at that moment.
    /// hardhat-config: invariant.runs = 32
    function invariant_riskIncreaseLeavesInitialHealth() public view {
        _assertInitialHealthAfterRiskIncrease();
    }

    /// @notice 7. the share price never decreases except by realised bad debt.
    /// hardhat-config: invariant.runs = 32
    function invariant_sharePriceOnlyFallsWithBadDebt() public view {
        _assertSharePrice();
    }

    /// @notice 8. the insurance fund's balance changes only by its listed flows.
    /// hardhat-config: invariant.runs = 32
    function invariant_insuranceFundFlows() public view {
        _assertInsuranceFund();
    }

    /// @notice 9. repay and deposit never revert because of a breaker or pause.
    /// hardhat-config: invariant.runs = 32
    function invariant_repayAndDepositNeverBlocked() public view {
        _assertRepayDepositUnblocked();
    }

    /// @notice Call summary and strictness: successes <= attempts, bounded calls never reverted.
    /// hardhat-config: invariant.runs = 32
    function invariant_callSummary() public view {
        _assertCallSummaryAndStrictness();
    }

    /// @notice A fixed walk of 4 x 48 steps with every invariant after every step: every action
    /// completes at least once, and the per-call ghost checks really ran.
    function test_handlerRandomWalk() public {
        WalkTotals memory t = _walk("static-walk", 4, 48, 3);
        _assertEveryActionSucceeded(t);
        assertGt(t.ghosts[0], 0, "walk: no health comparison made");
        assertGt(t.ghosts[1], 0, "walk: no initial-health recomputation made");
    }

    function _collectWalk(uint256[] memory acc) internal view override {
        acc[0] += handler.ghostHealthChecks();
        acc[1] += handler.ghostInitialHealthChecks();
        acc[2] += handler.ghostCash();
    }

    function _act(uint256 r) internal override {
        _actBorrowLend(handler, r % 8, r);
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
        invariant_callSummary();
    }
}
