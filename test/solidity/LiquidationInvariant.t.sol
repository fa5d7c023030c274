// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BreakwaterSystem, SystemBase} from "./utils/SystemBase.sol";
import {IAuctionHouse} from "../../contracts/interfaces/IAuctionHouse.sol";
import {VaultId} from "../../contracts/libraries/Types.sol";

/// @notice Bounded actions on the real system by a few actors, with ghost accounting. Every protocol
/// call that may legitimately revert is wrapped in try/catch; `calls` counts attempts and `successes`
/// the calls that went through. Per-call checks that need the state before the call (share price,
/// insurance-fund flows) are evaluated here, after the call, and recorded as violations that the
/// invariants assert to be zero (with the first one's description kept for the report).
// Ghost counters are kept flat (one public getter each) for readable invariant messages.
// solhint-disable-next-line max-states-count
contract LiquidationHandler is SystemBase {
    // ------------------------------------------------------------------ actions
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
    uint256 internal constant ACTIONS = 14;

    /// @dev Rounding allowed in one call's insurance-fund value residual [base units]: two floors of
    /// convertToAssets (before, after) plus the pool rounding a payout's share burn up.
    uint256 internal constant FUND_TOL = 3;

    address internal constant TAKER = address(0x7A4E);
    /// @dev Receives keeper incentives and nothing else, so its balance delta is the reward paid.
    address internal constant KEEPER = address(0x4EE9);
    address[3] internal borrowers = [address(0xB0B1), address(0xB0B2), address(0xB0B3)];
    address[2] internal lenders = [LENDER, address(0x1E4D2)];

    VaultId[] internal vaults;

    // ------------------------------------------------------------------ ghost state
    uint256[ACTIONS] public calls;
    uint256[ACTIONS] public successes;

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

    /// @dev What a kick and the takes since tell about an auction (for the dust invariant).
    struct AuctionGhost {
        bool wholeDebt; // the kick moved the vault's whole scaled debt
        bool wholePosition; // the kick moved the vault's whole position of the asset
        uint256 tabAtKick;
        uint256 takes; // successful takes that left it open
        uint256 lastTakePrice; // price of the last such take [wad]
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

    constructor(BreakwaterSystem memory s) {
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
        ghostFundBalance = usdc.balanceOf(address(fund));
        // A market dip of 12% puts the WETH vaults in margin shortfall; one vault is then flagged and
        // its cure window passed, and one auction is already running, so that liquidations happen
        // within the first calls of every run.
        for (uint256 i; i < collaterals.length; ++i) _scaleAnswer(collaterals[i], 0.88e18);
        // LINK falls a further 35%: the LINK vault is under water (HF below (1 + penalty)(1 - haircut)),
        // so its auction must take the whole position and may leave bad debt.
        _scaleAnswer(address(link), 0.65e18);
        ++calls[A_FLAG];
        _tryFlag(0);
        _warp(CURE_WINDOW);
        ++calls[A_KICK];
        _tryKick(0, 0);
        lastSharePrice = _sharePrice();
    }

    function _seed(uint256 v, address asset, uint256 usd) internal {
        VaultId id = vaults[v];
        address owner = engine.ownerOf(id);
        _deposit(owner, id, asset, _amountForUsd(asset, usd));
        _borrow(owner, id, (engine.maxBorrow(id) * 95) / 100);
    }

    // ------------------------------------------------------------------ per-call bookkeeping

    modifier tracked(uint256 action) {
        ++calls[action];
        _pre();
        _;
        _post(action);
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

    function _pre() internal {
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
    }

    function _post(uint256 action) internal {
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

    /// @dev A payout of `paid` by the fund: its balance pays first.
    function _recordPayout(uint256 paid, uint256 balanceBefore) internal {
        _callPayout += paid;
        ghostFundBalance -= Math.min(paid, balanceBefore);
    }

    // ------------------------------------------------------------------ actor actions

    function deposit(uint256 vaultSeed, uint256 assetSeed, uint256 usdSeed) external tracked(A_DEPOSIT) {
        VaultId id = _vault(vaultSeed);
        address asset = collaterals[assetSeed % 3];
        uint256 amount = _amountForUsd(asset, bound(usdSeed, 50, 200_000));
        if (amount == 0) return;
        vm.prank(engine.ownerOf(id));
        try engine.deposit(id, asset, amount) {
            ++successes[A_DEPOSIT];
        } catch {}
    }

    function withdraw(uint256 vaultSeed, uint256 assetSeed, uint256 fracSeed) external tracked(A_WITHDRAW) {
        VaultId id = _vault(vaultSeed);
        address asset = collaterals[assetSeed % 3];
        uint256 held = engine.collateralAmount(id, asset);
        if (held == 0) return;
        uint256 amount = Math.max(1, Math.mulDiv(held, bound(fracSeed, 1, WAD), WAD));
        address owner = engine.ownerOf(id);
        vm.prank(owner);
        try engine.withdraw(id, asset, amount, owner) {
            ++successes[A_WITHDRAW];
        } catch {}
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
        address owner = engine.ownerOf(id);
        vm.prank(owner);
        try engine.borrow(id, amount, owner) {
            ++successes[A_BORROW];
        } catch {}
    }

    function repay(uint256 vaultSeed, uint256 fracSeed, bool all) external tracked(A_REPAY) {
        VaultId id = _vault(vaultSeed);
        uint256 debt = engine.debtOf(id);
        if (debt == 0) return;
        uint256 amount = all ? type(uint256).max : Math.max(1, Math.mulDiv(debt, bound(fracSeed, 1, WAD), WAD));
        vm.prank(engine.ownerOf(id));
        try engine.repay(id, amount) {
            ++successes[A_REPAY];
        } catch {}
    }

    /// @dev Moves prices by up to +-30%: one seed in three moves all collaterals together (a market
    /// move), otherwise one feed (USDC by up to +-1% only). Collaterals stay within [0.1x, 10x] of
    /// their initial price and USDC within [0.97, 1.03], inside every feed's bounds.
    function movePrice(uint256 assetSeed, uint256 moveSeed) external tracked(A_PRICE) {
        if (assetSeed % 3 == 0) {
            uint256 factor = bound(moveSeed, 0.7e18, 1.3e18);
            for (uint256 i; i < collaterals.length; ++i) _movePrice(collaterals[i], factor);
        } else {
            address asset = feedAssets[(assetSeed / 3) % 4];
            _movePrice(
                asset,
                asset == address(usdc) ? bound(moveSeed, 0.99e18, 1.01e18) : bound(moveSeed, 0.7e18, 1.3e18)
            );
        }
        ++successes[A_PRICE];
    }

    function _movePrice(address asset, uint256 factor) internal {
        bool isBase = asset == address(usdc);
        uint256 initial = uint256(_initialAnswer(asset));
        uint256 next = Math.mulDiv(uint256(_answer(asset)), factor, WAD);
        uint256 lo = isBase ? (initial * 97) / 100 : initial / 10;
        uint256 hi = isBase ? (initial * 103) / 100 : initial * 10;
        _setAnswer(asset, int256(Math.min(Math.max(next, lo), hi)));
    }

    /// @dev Up to one day; every feed is refreshed so none goes stale. With `accrue`, interest is
    /// brought up to date at once (else the next protocol call accrues it).
    function warp(uint256 dtSeed, bool accrue) external tracked(A_WARP) {
        uint256 interestBefore = _pendingInterest();
        // Half the warps within an auction's life (<= 1 h), half up to a day.
        _warp(dtSeed % 2 == 0 ? bound(dtSeed >> 1, 1, 1 hours) : bound(dtSeed >> 1, 1, 1 days));
        // Time passing raises the value of the fund's existing shares too (all of the new interest
        // at most), on top of the reserve fee that an accrual mints.
        _before.pendingFee += _pendingInterest() - interestBefore;
        if (accrue) pool.accrueInterest();
        ++successes[A_WARP];
    }

    function poke(uint256 assetSeed) external tracked(A_POKE) {
        try oracle.poke(collaterals[assetSeed % 3]) {
            ++successes[A_POKE];
        } catch {}
    }

    function flag(uint256 vaultSeed) external tracked(A_FLAG) {
        _tryFlag(vaultSeed);
    }

    function _tryFlag(uint256 vaultSeed) internal {
        for (uint256 k; k < vaults.length; ++k) {
            VaultId id = vaults[(vaultSeed + k) % vaults.length];
            if (engine.marginCallOf(id) != 0) continue;
            try engine.healthFactor(id) returns (uint256 hf) {
                if (hf >= WAD) continue;
            } catch {
                continue;
            }
            vm.prank(KEEPER);
            try engine.flagMarginCall(id) {
                ++successes[A_FLAG];
            } catch {}
            return;
        }
    }

    /// @dev A keeper bot: kicks the first kickable (vault, collateral) from a random starting point;
    /// when there is none, flags the first unflagged vault in margin shortfall instead.
    function kick(uint256 vaultSeed, uint256 assetSeed) external tracked(A_KICK) {
        if (!_tryKick(vaultSeed, assetSeed)) {
            ++calls[A_FLAG]; // counted as a flag attempt
            _tryFlag(vaultSeed);
        }
    }

    function _tryKick(uint256 vaultSeed, uint256 assetSeed) internal returns (bool) {
        for (uint256 k; k < vaults.length * 3; ++k) {
            VaultId id = vaults[(vaultSeed + k / 3) % vaults.length];
            address asset = collaterals[(assetSeed + k) % 3];
            (bool ok, ) = auctionHouse.canKick(id, asset);
            if (!ok) continue;
            _kick(id, asset);
            return true;
        }
        return false;
    }

    function _kick(VaultId id, address asset) internal {
        uint256 position = engine.collateralAmount(id, asset);
        uint256 fundBalance = usdc.balanceOf(address(fund));
        uint256 available = fund.availableAssets();
        uint256 keeperBefore = usdc.balanceOf(KEEPER);
        vm.prank(KEEPER);
        try auctionHouse.kick(id, asset, KEEPER) returns (uint256 auctionId) {
            ++successes[A_KICK];
            uint256 reward = usdc.balanceOf(KEEPER) - keeperBefore;
            _recordPayout(reward, fundBalance);
            ghostKeeperRewards += reward;
            IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(auctionId);
            AuctionGhost storage g = _auctionGhost[auctionId];
            g.wholeDebt = engine.scaledDebtOf(id) == 0;
            g.wholePosition = s.lot == position;
            g.tabAtKick = s.tab;
            _checkReward(A_KICK, reward, s, available);
        } catch (bytes memory err) {
            // canKick said yes in this very state: a kick must not fail.
            if (unexpectedKickReverts++ == 0) firstUnexpectedKickRevert = string.concat("kick reverted: ", _hex4(err));
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
    function take(uint256 auctionSeed, uint256 fracSeed) external tracked(A_TAKE) {
        uint256 auctionId = _openAuction(auctionSeed);
        if (auctionId == 0) return;
        IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(auctionId);
        if (s.needsReset) {
            ++calls[A_RESET]; // counted as a reset attempt
            if (!_reset(auctionId, s)) return;
            s = auctionHouse.auctionStatus(auctionId);
        }
        uint256 kind = fracSeed % 3;
        uint256 maxColl =
            kind == 0 ? type(uint256).max : Math.max(1, Math.mulDiv(s.lot, bound(fracSeed >> 2, 1, WAD), WAD));
        vm.prank(TAKER);
        try auctionHouse.take(auctionId, maxColl, type(uint256).max, TAKER, "") returns (uint256, uint256 paid) {
            ++successes[A_TAKE];
            // Payments cover the debt first, then the penalty, which goes to the fund.
            uint256 penalty = paid > s.debt ? paid - s.debt : 0;
            _callPenalty += penalty;
            ghostPenalties += penalty;
            ghostFundBalance += penalty;
            if (auctionHouse.auction(auctionId).lot != 0) {
                AuctionGhost storage g = _auctionGhost[auctionId];
                ++g.takes;
                g.lastTakePrice = s.price;
            }
        } catch {}
    }

    function reset(uint256 auctionSeed) external tracked(A_RESET) {
        uint256 n = auctionHouse.auctionCount();
        for (uint256 k; k < n; ++k) {
            uint256 auctionId = ((auctionSeed + k) % n) + 1;
            IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(auctionId);
            if (!s.active || !s.needsReset) continue;
            _reset(auctionId, s);
            return;
        }
    }

    function _reset(uint256 auctionId, IAuctionHouse.AuctionStatus memory s) internal returns (bool) {
        uint256 fundBalance = usdc.balanceOf(address(fund));
        uint256 available = fund.availableAssets();
        uint256 keeperBefore = usdc.balanceOf(KEEPER);
        vm.prank(KEEPER);
        try auctionHouse.reset(auctionId, KEEPER) {
            ++successes[A_RESET];
            uint256 reward = usdc.balanceOf(KEEPER) - keeperBefore;
            _recordPayout(reward, fundBalance);
            ghostKeeperRewards += reward;
            _checkReward(A_RESET, reward, s, available);
            return true;
        } catch {
            return false;
        }
    }

    function realiseBadDebt(uint256 vaultSeed) external tracked(A_BAD_DEBT) {
        for (uint256 k; k < vaults.length; ++k) {
            VaultId id = vaults[(vaultSeed + k) % vaults.length];
            if (engine.scaledDebtOf(id) == 0 || engine.collateralsOf(id).length != 0 || engine.openAuctionsOf(id) != 0)
                continue;
            uint256 fundBalance = usdc.balanceOf(address(fund));
            try engine.realiseBadDebt(id) returns (uint256 covered, uint256 socialised) {
                ++successes[A_BAD_DEBT];
                ++ghostBadDebtRealisations;
                _recordPayout(covered, fundBalance);
                ghostBadDebtCovered += covered;
                ghostSocialised += socialised;
                _callSocialised += socialised;
            } catch {}
            return;
        }
    }

    function lenderDeposit(uint256 lenderSeed, uint256 amountSeed) external tracked(A_LEND) {
        address lender = lenders[lenderSeed % 2];
        uint256 amount = bound(amountSeed, 1e6, 1_000_000e6);
        vm.prank(lender);
        try pool.deposit(amount, lender) {
            ++successes[A_LEND];
        } catch {}
    }

    function lenderWithdraw(uint256 lenderSeed, uint256 fracSeed) external tracked(A_REDEEM) {
        address lender = lenders[lenderSeed % 2];
        uint256 amount = Math.mulDiv(pool.maxWithdraw(lender), bound(fracSeed, 0, WAD), WAD);
        if (amount == 0) return;
        vm.prank(lender);
        try pool.withdraw(amount, lender, lender) {
            ++successes[A_REDEEM];
        } catch {}
    }

    // ------------------------------------------------------------------ views for the invariants

    function vaultCount() external view returns (uint256) {
        return vaults.length;
    }

    function auctionGhost(uint256 auctionId) external view returns (AuctionGhost memory) {
        return _auctionGhost[auctionId];
    }

    function callsOf(uint256 action) external view returns (uint256, uint256) {
        return (calls[action], successes[action]);
    }

    // ------------------------------------------------------------------ helpers

    function _vault(uint256 seed) internal view returns (VaultId) {
        return vaults[seed % vaults.length];
    }

    /// @dev An open auction, searched from a random starting point; 0 if none.
    function _openAuction(uint256 seed) internal view returns (uint256) {
        uint256 n = auctionHouse.auctionCount();
        for (uint256 k; k < n; ++k) {
            uint256 auctionId = ((seed + k) % n) + 1;
            if (auctionHouse.auction(auctionId).lot != 0) return auctionId;
        }
        return 0;
    }

    function _initialAnswer(address asset) internal view returns (int256) {
        if (asset == address(usdc)) return USDC_ANSWER;
        if (asset == address(weth)) return WETH_ANSWER;
        if (asset == address(wbtc)) return WBTC_ANSWER;
        return LINK_ANSWER;
    }

    function _str(uint256 v) internal pure returns (string memory) {
        if (v == 0) return "0";
        bytes memory b;
        while (v != 0) {
            b = abi.encodePacked(bytes1(uint8(48 + (v % 10))), b);
            v /= 10;
        }
        return string(b);
    }

    function _hex4(bytes memory err) internal pure returns (string memory) {
        if (err.length < 4) return "(no selector)";
        bytes memory out = new bytes(10);
        bytes16 digits = "0123456789abcdef";
        out[0] = "0";
        out[1] = "x";
        for (uint256 i; i < 4; ++i) {
            out[2 + 2 * i] = digits[uint8(err[i]) >> 4];
            out[3 + 2 * i] = digits[uint8(err[i]) & 0x0f];
        }
        return string(out);
    }
}

/// @notice Handler-based invariants of the liquidation system (runs x depth from hardhat.config.ts:
/// 64 x 32, failOnRevert false; the handler also try/catches its protocol calls).
contract LiquidationInvariantTest is SystemBase {
    LiquidationHandler internal handler;

    function setUp() public {
        _deploySystem();
        handler = new LiquidationHandler(_system());
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
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
            LiquidationHandler.AuctionGhost memory g = handler.auctionGhost(id);
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
        uint256[14] memory totalCalls;
        uint256[14] memory totalOk;
        uint256[5] memory ghosts;
        uint256 snap = vm.snapshotState();
        for (uint256 w; w < WALKS; ++w) {
            for (uint256 i; i < WALK_DEPTH; ++i) {
                uint256 r = uint256(keccak256(abi.encode("walk", w, i)));
                _act(r);
                _checkAll();
            }
            for (uint256 a; a < 14; ++a) {
                (uint256 c, uint256 s) = handler.callsOf(a);
                totalCalls[a] += c;
                totalOk[a] += s;
            }
            ghosts[0] += handler.ghostPenalties();
            ghosts[1] += handler.ghostKeeperRewards();
            ghosts[2] += handler.ghostBadDebtCovered();
            ghosts[3] += handler.ghostSocialised();
            ghosts[4] += handler.ghostSharePriceDropsWithBadDebt();
            vm.revertToState(snap);
            snap = vm.snapshotState();
        }
        // This fixed walk does liquidate: kicks, takes, resets and a bad-debt realisation with a
        // loss socialised (8 x 64 steps gave 18 kicks, 25 takes, 13 resets, 1 realisation).
        assertGe(totalOk[A_KICK_], 5, "walk: kicks");
        assertGe(totalOk[A_TAKE_], 5, "walk: takes");
        assertGe(totalOk[A_RESET_], 1, "walk: resets");
        assertGe(totalOk[A_BAD_DEBT_], 1, "walk: bad debt");
        assertGt(ghosts[0], 0, "walk: penalties");
        assertGt(ghosts[1], 0, "walk: keeper rewards");
    }

    uint256 internal constant WALKS = 8;
    uint256 internal constant A_KICK_ = 7;
    uint256 internal constant A_TAKE_ = 8;
    uint256 internal constant A_RESET_ = 9;
    uint256 internal constant A_BAD_DEBT_ = 10;
    uint256 internal constant WALK_DEPTH = 64;

    function _act(uint256 r) internal {
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

    function _checkAll() internal view {
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
