// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ProtocolHandler} from "./ProtocolHandler.sol";
import {BreakwaterSystem} from "../utils/SystemBase.sol";
import {BreakerSystem} from "../utils/BreakerSystemBase.sol";
import {VaultId} from "../../../contracts/libraries/Types.sol";

/// @notice The borrower and lender actions of both invariant flavours (open vault, deposit, withdraw,
/// borrow, repay, lender deposit and withdraw, time warps with interest), with inputs bounded so that
/// a revert means something: deposits of listed collateral, withdrawals of at most the position,
/// borrows of at most maxBorrow and the pool's cash leaving at least the minimum debt, repayments of
/// everything or leaving at least the minimum debt, lender withdrawals of at most maxWithdraw.
/// @dev Health factors are compared around every call except warps (property 5). Action ids 0..7.
abstract contract BorrowLendHandler is ProtocolHandler {
    uint256 internal immutable A_OPEN;
    uint256 internal immutable A_DEPOSIT;
    uint256 internal immutable A_WITHDRAW;
    uint256 internal immutable A_BORROW;
    uint256 internal immutable A_REPAY;
    uint256 internal immutable A_LEND;
    uint256 internal immutable A_REDEEM;
    uint256 internal immutable A_WARP;

    /// @dev Vaults at most (seeded + opened), bounding the invariants' loops.
    uint256 internal constant MAX_VAULTS = 12;

    constructor() {
        A_OPEN = _addAction("openVault");
        A_DEPOSIT = _addAction("deposit");
        A_WITHDRAW = _addAction("withdraw");
        A_BORROW = _addAction("borrow");
        A_REPAY = _addAction("repay");
        A_LEND = _addAction("lenderDeposit");
        A_REDEEM = _addAction("lenderWithdraw");
        A_WARP = _addAction("warp");
        _trackHealth = true;
    }

    /// @dev Adopts the test contract's deployment and its circuit breaker, funds every actor, lends 2.5M
    /// USDC and gives the insurance fund 1,000 USDC plus pool shares.
    function _adoptAndSeed(BreakwaterSystem memory s, BreakerSystem memory b) internal {
        _adopt(s);
        _adoptBreaker(b);
        for (uint256 i; i < borrowers.length; ++i) _fundAccount(borrowers[i]);
        _fundAccount(lenders[0]);
        _fundAccount(lenders[1]);
        _fundAccount(TAKER);
        _lenderDeposit(lenders[0], 2_000_000e6);
        _lenderDeposit(lenders[1], 500_000e6);
        usdc.mint(address(fund), 1_000e6);
        vm.prank(lenders[1]);
        pool.deposit(20_000e6, address(fund));
    }

    /// @dev A vault of `borrowers[b]` with `usd` dollars of `asset`, borrowed at `frac` of its limit.
    function _seedVault(uint256 b, address asset, uint256 usd, uint256 frac) internal returns (VaultId id) {
        id = _openVault(borrowers[b]);
        vaults.push(id);
        _deposit(borrowers[b], id, asset, _amountForUsd(asset, usd));
        if (frac != 0) _borrow(borrowers[b], id, Math.mulDiv(engine.maxBorrow(id), frac, WAD));
    }

    // ------------------------------------------------------------------ actions

    /// @dev Opens a vault with $500..$300k of one collateral and borrows 30..99% of its limit.
    function openVault(
        uint256 actorSeed,
        uint256 assetSeed,
        uint256 usdSeed,
        uint256 fracSeed
    ) external tracked(A_OPEN) {
        if (vaults.length >= MAX_VAULTS) return;
        address owner = borrowers[actorSeed % borrowers.length];
        vm.prank(owner);
        VaultId id = engine.openVault(owner); // cannot fail for a non-zero owner
        vaults.push(id);
        _succeeded(A_OPEN);
        address asset = _collateral(assetSeed);
        _countCall(A_DEPOSIT);
        if (!_doDeposit(A_DEPOSIT, id, asset, _amountForUsd(asset, bound(usdSeed, 500, 300_000)))) return;
        _countCall(A_BORROW);
        _borrowFraction(id, bound(fracSeed, 0.3e18, 0.99e18));
    }

    function deposit(uint256 vaultSeed, uint256 assetSeed, uint256 usdSeed) external tracked(A_DEPOSIT) {
        address asset = _collateral(assetSeed);
        uint256 amount = _amountForUsd(asset, bound(usdSeed, 50, 200_000));
        if (amount == 0) return;
        _doDeposit(A_DEPOSIT, _vault(vaultSeed), asset, amount);
    }

    /// @dev Half the withdrawals take 0.1..10% of the position (mostly allowed), half up to all of it.
    function withdraw(uint256 vaultSeed, uint256 assetSeed, uint256 fracSeed) external tracked(A_WITHDRAW) {
        VaultId id = _vault(vaultSeed);
        address asset = _collateral(assetSeed);
        uint256 held = engine.collateralAmount(id, asset);
        if (held == 0) return;
        uint256 frac = fracSeed % 2 == 0 ? bound(fracSeed >> 1, 0.001e18, 0.1e18) : bound(fracSeed >> 1, 1, WAD);
        _doWithdraw(A_WITHDRAW, id, asset, Math.max(1, Math.mulDiv(held, frac, WAD)));
    }

    function borrow(uint256 vaultSeed, uint256 fracSeed) external tracked(A_BORROW) {
        _borrowFraction(_vault(vaultSeed), bound(fracSeed, 0.05e18, WAD));
    }

    /// @dev Borrows `frac` of min(maxBorrow, cash), raised to what reaches the minimum debt when that
    /// still fits; skipped when nothing can be borrowed.
    function _borrowFraction(VaultId id, uint256 frac) internal {
        uint256 maxB;
        try engine.maxBorrow(id) returns (uint256 m) {
            maxB = m;
        } catch {
            return;
        }
        uint256 room = Math.min(maxB, pool.cash());
        uint256 amount = Math.mulDiv(room, frac, WAD);
        uint256 debt = engine.debtOf(id);
        if (debt + amount < MIN_DEBT + 1) amount = MIN_DEBT + 1 - debt;
        if (amount == 0 || amount > room) return;
        _doBorrow(A_BORROW, id, amount, maxB);
    }

    /// @dev Repays everything, or 1 unit .. all but the minimum debt.
    function repay(uint256 vaultSeed, uint256 fracSeed, bool all) external tracked(A_REPAY) {
        VaultId id = _vault(vaultSeed);
        uint256 debt = engine.debtOf(id);
        if (debt == 0) return;
        uint256 amount = all || debt <= MIN_DEBT + 1 ? type(uint256).max : bound(fracSeed, 1, debt - MIN_DEBT - 1);
        _doRepay(A_REPAY, id, amount);
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

    /// @dev Half the warps up to an hour, half up to `_maxWarp()`; with `accrue`, interest is brought
    /// up to date at once (else the next protocol call accrues it).
    function warp(uint256 dtSeed, bool accrue) external trackedMarket(A_WARP) {
        _timeWarp(dtSeed % 2 == 0 ? bound(dtSeed >> 1, 1, 1 hours) : bound(dtSeed >> 1, 1, _maxWarp()), accrue);
        _succeeded(A_WARP);
    }

    function _maxWarp() internal view virtual returns (uint256);
}
