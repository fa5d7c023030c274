// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {IAuctionHouse} from "../../../contracts/interfaces/IAuctionHouse.sol";
import {ICircuitBreaker} from "../../../contracts/interfaces/ICircuitBreaker.sol";
import {IVaultEngine} from "../../../contracts/interfaces/IVaultEngine.sol";
import {VaultId} from "../../../contracts/libraries/Types.sol";
import {RiskMath} from "../../../contracts/libraries/RiskMath.sol";

/// @notice {HandlerBase} plus the protocol actions every lending/liquidation handler shares, each with
/// its ghost accounting:
/// - the insurance fund's base balance (penalties in, payouts out) and its value residual per call;
/// - the lenders' share price, which may only fall in a call that socialised bad debt;
/// - an independent ledger of the pool: cash and scaled debt moved by every flow the handler causes
///   (lender deposits and withdrawals, borrows, repayments, auction payments, keeper rewards and
///   bad-debt cover paid from the fund's pool shares, bad-debt realisations);
/// - optionally (`_trackHealth`), every vault's health factor before and after each call that is not
///   a price move, an oracle poke or a time warp;
/// - the initial-haircut health of a vault right after each successful borrow or withdraw, recomputed
///   from the collateral configs and the oracle;
/// - reverts: of repay and deposit with a breaker error, and of calls that the handler's bounds make
///   certain to succeed.
/// Protocol calls that may legitimately revert are wrapped in try/catch; per-call checks that need
/// the state before the call are evaluated in the handler and recorded as violations, which the
/// invariants assert to be zero.
// Ghost counters are kept flat (one public getter each) for readable invariant messages.
// solhint-disable-next-line max-states-count
abstract contract ProtocolHandler is HandlerBase {
    /// @dev Rounding allowed in one call's insurance-fund value residual [base units]: two floors of
    /// convertToAssets (before, after) plus the pool rounding a payout's share burn up.
    uint256 internal constant FUND_TOL = 3;

    // Violation kinds of the named properties (see {violationsOf}).
    bytes32 public constant V_LEDGER = "pool ledger";
    bytes32 public constant V_HEALTH = "healthy vault made unhealthy";
    bytes32 public constant V_INITIAL_HEALTH = "initial HF < 1 after borrow";
    bytes32 public constant V_BREAKER_BLOCK = "repay or deposit blocked";
    bytes32 public constant V_STRICT = "bounded call reverted";
    bytes32 public constant V_DUST = "dust auction at kick";

    address[2] internal lenders = [LENDER, address(0x1E4D2)];

    // ------------------------------------------------------------------ insurance fund / share price
    /// @notice Expected base-token balance of the insurance fund: penalties in, minus what each payout
    /// took from the balance (payouts use the balance first, then pool shares).
    uint256 public ghostFundBalance;
    uint256 public ghostPenalties;
    uint256 public ghostKeeperRewards;
    uint256 public ghostBadDebtCovered;
    uint256 public ghostSocialised;
    uint256 public ghostBadDebtRealisations;
    uint256 public ghostSharePriceDropsWithBadDebt;
    uint256 public lastSharePrice;

    uint256 public sharePriceViolations;
    string public firstSharePriceViolation;
    uint256 public fundFlowViolations;
    string public firstFundFlowViolation;
    uint256 public incentiveViolations;
    string public firstIncentiveViolation;
    uint256 public unexpectedKickReverts;
    string public firstUnexpectedKickRevert;

    // ------------------------------------------------------------------ pool ledger
    /// @notice The pool's cash as the flows the handler caused add up.
    uint256 public ghostCash;
    /// @notice Scaled debt added by borrows, removed by repayments (vaults' and auctions'), and removed
    /// by bad-debt realisations (the covered part and the written-off part).
    uint256 public ghostScaledBorrowed;
    uint256 public ghostScaledRepaid;
    uint256 public ghostScaledRealised;
    /// @notice Bad debt realised [base units]: borne by the fund plus socialised to lenders.
    uint256 public ghostBadDebtRealised;

    // ------------------------------------------------------------------ observations
    /// @notice Kicks that tripped the breaker and deferred (returned 0).
    uint256 public ghostDeferredKicks;
    /// @notice Deposits into debt-free vaults refused by a guardian Deposit pause or asset freeze (the
    /// documented exception: new exposure, no debt to protect).
    uint256 public ghostGuardedDeposits;
    /// @notice Repayments and risk-reducing deposits attempted while a pause, freeze or trip was in force.
    uint256 public ghostRepaysWhileBlocked;
    uint256 public ghostDepositsWhileBlocked;
    /// @notice Health comparisons made (vault x call) and initial-health recomputations made.
    uint256 public ghostHealthChecks;
    uint256 public ghostInitialHealthChecks;

    /// @dev What a kick and the takes since tell about an auction (for the dust and cap invariants).
    struct AuctionGhost {
        bool wholeDebt; // the kick moved the vault's whole scaled debt
        bool wholePosition; // the kick moved the vault's whole position of the asset
        uint256 tabAtKick;
        uint256 takes; // successful takes that left it open
        uint256 lastTakePrice; // price of the last such take [wad]
        uint256 indexAtKick; // borrow index at the kick [ray]
    }
    mapping(uint256 auctionId => AuctionGhost) internal _auctionGhost;

    /// @dev Per-call measurements.
    struct Before {
        uint256 sharePrice;
        uint256 fundBalance;
        uint256 fundShares;
        uint256 fundValue;
        uint256 pendingFee;
        uint256 lastAccrual;
    }
    Before internal _before;
    uint256 internal _callPenalty;
    uint256 internal _callPayout;
    uint256 internal _callSocialised;

    /// @dev Set by a handler that checks property 5 (health before/after every non-price call).
    bool internal _trackHealth;
    /// @dev Vault whose auction sold its whole lot under the tab in this call: the unpaid debt went back
    /// to it. That debt was the vault's all along (the health factor leaves debt under auction out), so
    /// its lower health factor is the auction's market outcome, not harm done by the call.
    VaultId internal _debtReturnedTo;
    /// @dev Until when a pause, freeze or trip the handler caused may be in force [s].
    uint256 internal _blockedUntil;

    // ------------------------------------------------------------------ per-call bookkeeping

    /// @dev A call that is not a price move, a poke or a time warp: all per-call checks.
    modifier tracked(uint256 action) {
        ++_calls[action];
        uint256[] memory hfBefore = _pre(true);
        _;
        _post(action, hfBefore);
    }

    /// @dev A price move, poke or time warp: may lower health factors, so no health comparison.
    modifier trackedMarket(uint256 action) {
        ++_calls[action];
        uint256[] memory none = _pre(false);
        _;
        _post(action, none);
    }

    /// @dev Call at the end of the constructor: the ghosts start from the seeded state.
    function _startGhosts() internal {
        ghostFundBalance = usdc.balanceOf(address(fund));
        ghostCash = pool.cash();
        ghostScaledBorrowed = pool.totalScaledDebt();
        lastSharePrice = _sharePrice();
    }

    function _sharePrice() internal view returns (uint256) {
        return pool.convertToAssets(1e18);
    }

    function _fundValue() internal view returns (uint256) {
        return usdc.balanceOf(address(fund)) + pool.convertToAssets(pool.balanceOf(address(fund)));
    }

    /// @dev Interest the next accrual would add to the pool's debt [base units].
    function _pendingInterest() internal view returns (uint256) {
        uint256 stored = Math.mulDiv(pool.totalScaledDebt(), pool.borrowIndex(), RAY);
        uint256 pending = pool.totalDebt();
        return pending > stored ? pending - stored : 0;
    }

    /// @dev Reserve fee the next accrual would take: interest pending x reserve factor.
    function _pendingFee() internal view returns (uint256) {
        return (_pendingInterest() * pool.reserveFactor()) / WAD;
    }

    /// @return hfBefore HF + 1 per vault before the call (0: unreadable); empty when not compared.
    function _pre(bool checkHealth) internal returns (uint256[] memory hfBefore) {
        _before = Before({
            sharePrice: _sharePrice(),
            fundBalance: usdc.balanceOf(address(fund)),
            fundShares: pool.balanceOf(address(fund)),
            fundValue: _fundValue(),
            pendingFee: _pendingFee(),
            lastAccrual: pool.lastAccrual()
        });
        _callPenalty = 0;
        _callPayout = 0;
        _callSocialised = 0;
        if (_trackHealth && checkHealth) {
            hfBefore = new uint256[](vaults.length);
            for (uint256 i; i < hfBefore.length; ++i) hfBefore[i] = _hfPlusOne(vaults[i]);
        }
    }

    function _hfPlusOne(VaultId id) internal view returns (uint256) {
        try engine.healthFactor(id) returns (uint256 hf) {
            return Math.min(hf, type(uint128).max) + 1;
        } catch {
            return 0;
        }
    }

    function _post(uint256 action, uint256[] memory hfBefore) internal {
        _postSharePrice(action);
        _postFund(action);
        _postLedger(action);
        _postHealth(action, hfBefore);
    }

    function _postSharePrice(uint256 action) internal {
        Before memory b = _before;
        // Share price: may only fall in a call that wrote bad debt off against lenders.
        uint256 price = _sharePrice();
        if (price < b.sharePrice) {
            if (_callSocialised == 0) {
                if (sharePriceViolations++ == 0) {
                    firstSharePriceViolation = string.concat(
                        "action ",
                        _str(action),
                        ": share price ",
                        _str(b.sharePrice),
                        " -> ",
                        _str(price)
                    );
                }
            } else {
                ++ghostSharePriceDropsWithBadDebt;
            }
        }
        lastSharePrice = price;
    }

    function _postFund(uint256 action) internal {
        Before memory b = _before;
        // Insurance fund: value residual once penalties in and payouts out are taken out.
        // W1 - W0 = penalty - payouts + fee (reserve shares minted, only if interest accrued in this
        // call) - share of socialised loss (only in a bad-debt call) +- rounding.
        int256 residual = int256(_fundValue()) - int256(b.fundValue) - int256(_callPenalty) + int256(_callPayout);
        if (residual > int256(b.pendingFee + FUND_TOL) || residual < -int256(_callSocialised + FUND_TOL)) {
            _fundViolation(action, "value residual out of range", residual);
        }
        uint256 shares = pool.balanceOf(address(fund));
        if (shares > b.fundShares && pool.lastAccrual() == b.lastAccrual) {
            _fundViolation(action, "shares minted without accrual", int256(shares - b.fundShares));
        }
        // (A bad-debt call may also write the fund's shares down: first loss.)
        if (shares < b.fundShares && _callPayout == 0 && _callSocialised == 0) {
            _fundViolation(action, "shares burnt without payout", int256(b.fundShares - shares));
        }
        if (usdc.balanceOf(address(fund)) != ghostFundBalance) {
            _fundViolation(
                action,
                "balance != ghost",
                int256(usdc.balanceOf(address(fund))) - int256(ghostFundBalance)
            );
        }
    }

    function _postLedger(uint256 action) internal {
        // Pool ledger: cash and scaled debt exactly as the flows of this call add up.
        if (pool.cash() != ghostCash) {
            _violation(
                V_LEDGER,
                string.concat(_actionNames[action], ": cash ", _str(pool.cash()), " != ghost ", _str(ghostCash))
            );
        }
        if (pool.totalScaledDebt() != _ghostScaledDebt()) {
            _violation(
                V_LEDGER,
                string.concat(
                    _actionNames[action],
                    ": scaled debt ",
                    _str(pool.totalScaledDebt()),
                    " != ghost ",
                    _str(_ghostScaledDebt())
                )
            );
        }
    }

    function _postHealth(uint256 action, uint256[] memory hfBefore) internal {
        // Health: a healthy vault stays healthy through any call that is not a price move, poke or warp.
        VaultId exempt = _debtReturnedTo;
        _debtReturnedTo = VaultId.wrap(0);
        for (uint256 i; i < hfBefore.length; ++i) {
            uint256 before = hfBefore[i];
            if (before == 0 || before - 1 < WAD) continue;
            // Vault ids start at 1, so no vault matches an exempt id of 0.
            if (VaultId.unwrap(vaults[i]) == VaultId.unwrap(exempt)) continue;
            uint256 afterPlusOne = _hfPlusOne(vaults[i]);
            ++ghostHealthChecks;
            if (afterPlusOne != 0 && afterPlusOne - 1 < WAD) {
                _violation(
                    V_HEALTH,
                    string.concat(
                        _actionNames[action],
                        ": vault ",
                        _str(VaultId.unwrap(vaults[i])),
                        " HF ",
                        _str(before - 1),
                        " -> ",
                        _str(afterPlusOne - 1)
                    )
                );
            }
        }
    }

    function _ghostScaledDebt() internal view returns (uint256) {
        return ghostScaledBorrowed - ghostScaledRepaid - ghostScaledRealised;
    }

    function _fundViolation(uint256 action, string memory what, int256 value) internal {
        if (fundFlowViolations++ == 0) {
            firstFundFlowViolation = string.concat(
                "action ",
                _str(action),
                ": ",
                what,
                value < 0 ? " -" : " ",
                _str(uint256(value < 0 ? -value : value))
            );
        }
    }

    /// @dev A payout of `paid` by the fund: its balance pays first, the rest comes out of the pool's
    /// cash (the fund redeems pool shares).
    function _recordPayout(uint256 paid, uint256 balanceBefore) internal {
        _callPayout += paid;
        uint256 fromBalance = Math.min(paid, balanceBefore);
        ghostFundBalance -= fromBalance;
        ghostCash -= paid - fromBalance;
    }

    /// @dev Moves time by `dt` (feeds refreshed, so none goes stale). Time passing raises the value of
    /// the fund's existing shares too (all of the new interest at most), on top of the reserve fee an
    /// accrual mints, so the fund check's allowance grows by the new interest.
    function _timeWarp(uint256 dt, bool accrue) internal {
        uint256 interestBefore = _pendingInterest();
        _warp(dt);
        _before.pendingFee += _pendingInterest() - interestBefore;
        if (accrue) pool.accrueInterest();
    }

    function _strictFailure(string memory what, bytes memory err) internal {
        _violation(V_STRICT, string.concat(what, " reverted with ", _hex4(err)));
    }

    /// @dev True while a pause, freeze or trip that the handler caused may still be in force.
    function _blocked() internal view returns (bool) {
        return block.timestamp < _blockedUntil;
    }

    // ------------------------------------------------------------------ borrower actions

    /// @dev A deposit never fails, except a deposit into a vault WITHOUT debt during a guardian Deposit
    /// pause or a freeze of the asset (new exposure: the documented exception). A deposit into a vault
    /// with debt reduces risk and must go through whatever pause, freeze or trip is in force.
    function _doDeposit(uint256 action, VaultId id, address asset, uint256 amount) internal returns (bool) {
        address owner = engine.ownerOf(id);
        bool hasDebt = engine.scaledDebtOf(id) != 0;
        if (hasDebt && _blocked()) ++ghostDepositsWhileBlocked;
        vm.prank(owner);
        try engine.deposit(id, asset, amount) {
            _succeeded(action);
            return true;
        } catch (bytes memory err) {
            bytes4 sel = _selector(err);
            bool guardianBlock =
                sel == ICircuitBreaker.AssetFrozen.selector ||
                    (sel == ICircuitBreaker.ActionPaused.selector && _isPaused(uint8(0)));
            if (!hasDebt && guardianBlock) {
                ++ghostGuardedDeposits;
            } else if (_isBreakerError(err)) {
                _violation(V_BREAKER_BLOCK, string.concat("deposit reverted with breaker error ", _hex4(err)));
            } else {
                _strictFailure("deposit", err);
            }
            return false;
        }
    }

    /// @dev Allowed reverts: Undercollateralised (with an HF below 1), a Withdraw pause in force, a debt
    /// ceiling. Any other revert is recorded. A successful withdrawal leaves HF >= 1 under initial haircuts.
    function _doWithdraw(uint256 action, VaultId id, address asset, uint256 amount) internal returns (bool) {
        address owner = engine.ownerOf(id);
        bool paused = _isPaused(uint8(1));
        vm.prank(owner);
        try engine.withdraw(id, asset, amount, owner) {
            _succeeded(action);
            _checkInitialHealth("withdraw", id);
            return true;
        } catch (bytes memory err) {
            bytes4 sel = _selector(err);
            if (sel == IVaultEngine.Undercollateralised.selector) {
                (, uint256 hf) = abi.decode(_args(err), (uint256, uint256));
                if (hf >= WAD) _strictFailure("withdraw (Undercollateralised with HF >= 1)", err);
            } else if (
                !(sel == ICircuitBreaker.ActionPaused.selector && paused) &&
                sel != IVaultEngine.DebtCeilingExceeded.selector
            ) {
                _strictFailure("withdraw", err);
            }
            return false;
        }
    }

    /// @dev A borrow of at most maxBorrow and the pool's cash that leaves at least the minimum debt must
    /// succeed unless a Borrow pause is in force (or a debt ceiling binds). Records the cash and scaled
    /// debt it moves; a successful borrow leaves HF >= 1 under initial haircuts.
    function _doBorrow(uint256 action, VaultId id, uint256 amount, uint256 maxBorrow) internal returns (bool) {
        address owner = engine.ownerOf(id);
        uint256 index = pool.currentBorrowIndex();
        uint256 scaledAdded = RiskMath.toScaledUp(amount, index);
        bool mustSucceed =
            !_isPaused(uint8(2)) &&
                amount <= maxBorrow &&
                amount <= pool.cash() &&
                RiskMath.toDebtUp(engine.scaledDebtOf(id) + scaledAdded, index) >= engine.minDebt();
        vm.prank(owner);
        try engine.borrow(id, amount, owner) {
            _succeeded(action);
            ghostCash -= amount;
            ghostScaledBorrowed += scaledAdded;
            _checkInitialHealth("borrow", id);
            return true;
        } catch (bytes memory err) {
            if (mustSucceed && _selector(err) != IVaultEngine.DebtCeilingExceeded.selector) {
                _strictFailure("borrow within maxBorrow, cash and minDebt", err);
            }
            return false;
        }
    }

    /// @dev Repays `amount` (type(uint256).max: everything) from the owner. Must succeed whenever it
    /// repays everything or leaves at least the minimum debt, whatever pause, freeze or trip is in
    /// force; a breaker error is recorded as such. Records the cash and scaled debt it moves.
    function _doRepay(uint256 action, VaultId id, uint256 amount) internal returns (bool) {
        uint256 scaled = engine.scaledDebtOf(id);
        uint256 index = pool.currentBorrowIndex();
        uint256 debt = RiskMath.toDebtUp(scaled, index);
        bool full = amount >= debt;
        uint256 scaledRepaid = full ? scaled : RiskMath.toScaledDown(amount, index);
        uint256 expected = full ? debt : amount;
        bool mustSucceed = full || RiskMath.toDebtUp(scaled - scaledRepaid, index) >= engine.minDebt();
        if (_blocked()) ++ghostRepaysWhileBlocked;
        address owner = engine.ownerOf(id);
        vm.prank(owner);
        try engine.repay(id, amount) returns (uint256 repaid) {
            _succeeded(action);
            if (repaid != expected) {
                _violation(V_LEDGER, string.concat("repay: repaid ", _str(repaid), " != ", _str(expected)));
            }
            ghostCash += repaid;
            ghostScaledRepaid += scaledRepaid;
            return true;
        } catch (bytes memory err) {
            if (_isBreakerError(err)) {
                _violation(V_BREAKER_BLOCK, string.concat("repay reverted with breaker error ", _hex4(err)));
            } else if (mustSucceed) {
                _strictFailure("repay", err);
            }
            return false;
        }
    }

    /// @dev Property 6, recomputed from the configs and the oracle rather than read from the engine:
    /// sum over the vault's collaterals of the effective value under the initial haircut (base +
    /// volatility add-on, size add-on; nothing for a disabled or breaker-blocked asset) >= debt value.
    function _checkInitialHealth(string memory what, VaultId id) internal {
        uint256 scaled = engine.scaledDebtOf(id);
        if (scaled == 0) return;
        ++ghostInitialHealthChecks;
        address[] memory held = engine.collateralsOf(id);
        uint256 initialValue;
        for (uint256 i; i < held.length; ++i) {
            address asset = held[i];
            IVaultEngine.CollateralConfig memory c = engine.collateralConfig(asset);
            if (!c.enabled) continue;
            if (address(breaker) != address(0) && breaker.isRiskIncreaseBlocked(asset)) continue;
            (uint256 price, uint256 volatility) = oracle.getPriceAndVolatility(asset);
            uint256 value = RiskMath.valueDown(engine.collateralAmount(id, asset), price, 10 ** c.decimals);
            uint256 flat =
                c.initialHaircut + RiskMath.volatilityAddOn(volatility, c.volatilityMultiplier, c.volatilityCap);
            initialValue += RiskMath.effectiveValueDown(value, flat, c.sizeMultiplier, c.sizeCap, c.marketDepth);
        }
        uint256 debtValue = RiskMath.debtValueUp(
            RiskMath.toDebtUp(scaled, pool.currentBorrowIndex()),
            oracle.getPrice(address(usdc)),
            USDC_UNIT
        );
        uint256 engineHf = engine.initialHealthFactor(id);
        if (initialValue < debtValue || engineHf < WAD) {
            _violation(
                V_INITIAL_HEALTH,
                string.concat(
                    what,
                    ": vault ",
                    _str(VaultId.unwrap(id)),
                    " initial value ",
                    _str(initialValue),
                    " < debt value ",
                    _str(debtValue),
                    " (engine HF ",
                    _str(engineHf),
                    ")"
                )
            );
        }
    }

    /// @dev The ABI-encoded arguments of a custom error.
    function _args(bytes memory err) internal pure returns (bytes memory out) {
        out = new bytes(err.length - 4);
        for (uint256 i; i < out.length; ++i) out[i] = err[i + 4];
    }

    // ------------------------------------------------------------------ lender actions

    /// @dev Must succeed unless a PoolDeposit pause is in force.
    function _doLend(uint256 action, address lender, uint256 amount) internal returns (bool) {
        bool paused = _isPaused(uint8(5));
        vm.prank(lender);
        try pool.deposit(amount, lender) {
            _succeeded(action);
            ghostCash += amount;
            return true;
        } catch (bytes memory err) {
            if (!paused) _strictFailure("lender deposit", err);
            return false;
        }
    }

    /// @dev `amount` <= maxWithdraw: must succeed unless a PoolWithdraw pause is in force.
    function _doRedeem(uint256 action, address lender, uint256 amount) internal returns (bool) {
        bool paused = _isPaused(uint8(6));
        vm.prank(lender);
        try pool.withdraw(amount, lender, lender) {
            _succeeded(action);
            ghostCash -= amount;
            return true;
        } catch (bytes memory err) {
            if (!paused) _strictFailure("lender withdraw within maxWithdraw", err);
            return false;
        }
    }

    // ------------------------------------------------------------------ keeper actions

    /// @dev The opening of a run with liquidations: a market dip of 12% puts the fully borrowed vaults
    /// in margin shortfall and LINK falls a further 35% (the LINK vault under water: HF below
    /// (1 + penalty)(1 - haircut), so its auction must take the whole position and may leave bad debt);
    /// then one vault is flagged, its cure window passed and one auction started, so that liquidations
    /// happen within the first calls of every run.
    function _dipFlagAndKick(uint256 flagAction, uint256 kickAction) internal {
        for (uint256 i; i < collaterals.length; ++i) _scaleAnswer(collaterals[i], 0.88e18);
        _scaleAnswer(address(link), 0.65e18);
        _countCall(flagAction);
        _tryFlag(0, flagAction);
        _warp(CURE_WINDOW);
        _countCall(kickAction);
        _tryKick(0, 0, kickAction);
    }

    /// @dev Kicks the first (vault, collateral) that `canKick` approves from a random starting point.
    function _tryKick(uint256 vaultSeed, uint256 assetSeed, uint256 kickAction) internal returns (bool) {
        for (uint256 k; k < vaults.length * 3; ++k) {
            VaultId id = vaults[(vaultSeed + k / 3) % vaults.length];
            address asset = collaterals[(assetSeed + k) % 3];
            (bool ok, ) = auctionHouse.canKick(id, asset);
            if (!ok) continue;
            _kick(id, asset, kickAction);
            return true;
        }
        return false;
    }

    function _kick(VaultId id, address asset, uint256 kickAction) internal {
        uint256 position = engine.collateralAmount(id, asset);
        uint256 fundBalance = usdc.balanceOf(address(fund));
        uint256 available = fund.availableAssets();
        uint256 keeperBefore = usdc.balanceOf(KEEPER);
        uint256 index = pool.currentBorrowIndex();
        vm.prank(KEEPER);
        try auctionHouse.kick(id, asset, KEEPER) returns (uint256 auctionId) {
            if (auctionId == 0) {
                // The kick tripped the asset's breaker and deferred: nothing started, nothing paid.
                ++ghostDeferredKicks;
                return;
            }
            _succeeded(kickAction);
            uint256 reward = usdc.balanceOf(KEEPER) - keeperBefore;
            _recordPayout(reward, fundBalance);
            ghostKeeperRewards += reward;
            IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(auctionId);
            AuctionGhost storage g = _auctionGhost[auctionId];
            g.wholeDebt = engine.scaledDebtOf(id) == 0;
            g.wholePosition = s.lot == position;
            g.tabAtKick = s.tab;
            g.indexAtKick = index;
            _checkReward(kickAction, reward, s, available);
            _checkKickDust(auctionId, asset, s);
        } catch (bytes memory err) {
            // canKick said yes in this very state: a kick must not fail.
            if (unexpectedKickReverts++ == 0) firstUnexpectedKickRevert = string.concat("kick reverted: ", _hex4(err));
        }
    }

    /// @dev A kick with a tab of at least dust puts up a lot worth at least dust at the kick price.
    function _checkKickDust(uint256 auctionId, address asset, IAuctionHouse.AuctionStatus memory s) internal {
        uint256 lotValue = _baseValueDown(asset, s.lot, _priceInBase(asset));
        if (s.tab >= DUST && lotValue < DUST) {
            _violation(
                V_DUST,
                string.concat("auction ", _str(auctionId), ": tab ", _str(s.tab), " lot worth ", _str(lotValue))
            );
        }
    }

    /// @dev Keeper incentive rules: nothing below a dust-sized tab; otherwise
    /// min(tip + chip x tab, available) where the kick's tab (r + penalty) is at most 2 units below the
    /// auction's (its debt is rounded up), so: reward <= min(tip + chip x tab, available), and reward >=
    /// min(tip, available) once tab >= dust + 2. And always reward < the auction's penalty.
    function _checkReward(
        uint256 action,
        uint256 reward,
        IAuctionHouse.AuctionStatus memory s,
        uint256 available
    ) internal {
        uint256 cap = s.tab < DUST ? 0 : Math.min(KEEPER_TIP + Math.mulDiv(s.tab, KEEPER_CHIP, WAD), available);
        uint256 floor = s.tab >= DUST + 2 ? Math.min(KEEPER_TIP, available) : 0;
        if (reward > cap || reward < floor || (reward != 0 && reward >= s.penalty)) {
            if (incentiveViolations++ == 0) {
                firstIncentiveViolation = string.concat(
                    "action ",
                    _str(action),
                    ": reward ",
                    _str(reward),
                    " cap ",
                    _str(cap),
                    " floor ",
                    _str(floor),
                    " penalty ",
                    _str(s.penalty)
                );
            }
        }
    }

    /// @dev Takes a random fraction of a random open auction's lot at whatever the price is (a taker
    /// that finds the auction stale resets it first, as a keeper would).
    function _takeSome(uint256 takeAction, uint256 resetAction, uint256 auctionSeed, uint256 fracSeed) internal {
        uint256 auctionId = _openAuction(auctionSeed);
        if (auctionId == 0) return;
        IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(auctionId);
        if (s.needsReset) {
            _countCall(resetAction); // counted as a reset attempt
            if (!_reset(auctionId, s, resetAction)) return;
            s = auctionHouse.auctionStatus(auctionId);
        }
        uint256 kind = fracSeed % 3;
        uint256 maxColl =
            kind == 0 ? type(uint256).max : Math.max(1, Math.mulDiv(s.lot, bound(fracSeed >> 2, 1, WAD), WAD));
        uint256 scaledBefore = auctionHouse.auction(auctionId).scaledDebt;
        uint256 index = pool.currentBorrowIndex();
        uint256 vaultScaledBefore = engine.scaledDebtOf(s.vault);
        vm.prank(TAKER);
        try auctionHouse.take(auctionId, maxColl, type(uint256).max, TAKER, "") returns (uint256, uint256 paid) {
            _succeeded(takeAction);
            if (engine.scaledDebtOf(s.vault) > vaultScaledBefore) _debtReturnedTo = s.vault;
            // Payments cover the debt first, then the penalty, which goes to the fund.
            uint256 penalty = paid > s.debt ? paid - s.debt : 0;
            _callPenalty += penalty;
            ghostPenalties += penalty;
            ghostFundBalance += penalty;
            uint256 debtPaid = paid - penalty;
            ghostCash += debtPaid;
            ghostScaledRepaid += debtPaid == s.debt ? scaledBefore : RiskMath.toScaledDown(debtPaid, index);
            if (auctionHouse.auction(auctionId).lot != 0) {
                AuctionGhost storage g = _auctionGhost[auctionId];
                ++g.takes;
                g.lastTakePrice = s.price;
            }
        } catch {}
    }

    function _resetSome(uint256 resetAction, uint256 auctionSeed) internal {
        uint256 n = auctionHouse.auctionCount();
        for (uint256 k; k < n; ++k) {
            uint256 auctionId = ((auctionSeed + k) % n) + 1;
            IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(auctionId);
            if (!s.active || !s.needsReset) continue;
            _reset(auctionId, s, resetAction);
            return;
        }
    }

    function _reset(
        uint256 auctionId,
        IAuctionHouse.AuctionStatus memory s,
        uint256 resetAction
    ) internal returns (bool) {
        uint256 fundBalance = usdc.balanceOf(address(fund));
        uint256 available = fund.availableAssets();
        uint256 keeperBefore = usdc.balanceOf(KEEPER);
        vm.prank(KEEPER);
        try auctionHouse.reset(auctionId, KEEPER) {
            _succeeded(resetAction);
            uint256 reward = usdc.balanceOf(KEEPER) - keeperBefore;
            _recordPayout(reward, fundBalance);
            ghostKeeperRewards += reward;
            _checkReward(resetAction, reward, s, available);
            return true;
        } catch {
            return false;
        }
    }

    /// @dev Realises the bad debt of the first vault with debt, no collateral and no open auction.
    function _realiseSome(uint256 action, uint256 vaultSeed) internal {
        for (uint256 k; k < vaults.length; ++k) {
            VaultId id = vaults[(vaultSeed + k) % vaults.length];
            if (engine.scaledDebtOf(id) == 0 || engine.collateralsOf(id).length != 0 || engine.openAuctionsOf(id) != 0)
                continue;
            uint256 fundBalance = usdc.balanceOf(address(fund));
            uint256 scaled = engine.scaledDebtOf(id);
            try engine.realiseBadDebt(id) returns (uint256 covered, uint256 socialised) {
                _succeeded(action);
                ++ghostBadDebtRealisations;
                // The fund pays the pool from its balance first, then by redeeming pool shares into the
                // pool (cash out and back in): the pool's cash grows by what the balance paid.
                uint256 fromBalance = Math.min(covered, fundBalance);
                _callPayout += covered;
                ghostFundBalance -= fromBalance;
                ghostCash += fromBalance;
                ghostScaledRealised += scaled;
                ghostBadDebtRealised += covered + socialised;
                ghostBadDebtCovered += covered;
                ghostSocialised += socialised;
                _callSocialised += socialised;
            } catch {}
            return;
        }
    }

    // ------------------------------------------------------------------ views for the invariants

    function auctionGhost(uint256 auctionId) external view returns (AuctionGhost memory) {
        return _auctionGhost[auctionId];
    }

    function ghostScaledDebt() external view returns (uint256) {
        return _ghostScaledDebt();
    }
}
