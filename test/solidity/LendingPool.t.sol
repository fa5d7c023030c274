// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BaseTest} from "./utils/BaseTest.sol";
import {MockERC20} from "../mocks/MockERC20.sol";
import {PoolTestAccessManager} from "../mocks/PoolTestHelpers.sol";
import {LendingPool} from "../../contracts/core/LendingPool.sol";
import {KinkedRateModel} from "../../contracts/core/KinkedRateModel.sol";
import {InsuranceFund} from "../../contracts/core/InsuranceFund.sol";
import {IKinkedRateModel} from "../../contracts/interfaces/IInterestRateModel.sol";

/// @notice Fuzzed properties of the lending pool and the kinked rate model. This contract is the
/// pool's engine and the access manager's admin.
contract LendingPoolTest is BaseTest {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant V = 1e6; // virtual shares (decimals offset 6)
    uint256 internal constant UNIT = 1e6; // 6-decimal base asset
    address internal constant BORROWER = address(0xBEEF);

    PoolTestAccessManager internal manager;
    MockERC20 internal token;
    KinkedRateModel internal model;
    LendingPool internal pool;
    InsuranceFund internal fund;
    address[3] internal lenders = [address(0xA11CE), address(0xB0B), address(0xCA401)];

    /// @dev Scaled debt of each open borrow, as an engine would record per vault.
    uint256[] internal positions;

    function setUp() public {
        manager = new PoolTestAccessManager(address(this));
        token = new MockERC20("Test USD", "TUSD", 6);
        model = new KinkedRateModel(
            address(manager),
            IKinkedRateModel.RateParameters({
                baseRate: uint64(uint256(0.02e18) / 365 days),
                slopeLow: uint64(uint256(0.08e18) / 365 days),
                slopeHigh: uint64(uint256(1e18) / 365 days),
                kink: 0.8e18
            })
        );
        pool = new LendingPool(IERC20(address(token)), "Breakwater TUSD", "bwTUSD", address(manager), model, 0.1e18);
        pool.setEngine(address(this));
        fund = new InsuranceFund(address(manager), pool);
        pool.setInsuranceFund(address(fund));
        for (uint256 i = 0; i < lenders.length; i++) {
            token.mint(lenders[i], 1e12 * UNIT);
            vm.prank(lenders[i]);
            token.approve(address(pool), type(uint256).max);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Random operation sequences
    // ---------------------------------------------------------------------------------------------

    /// @notice Random deposits, mints, withdrawals, redemptions, borrows, repayments, time warps and
    /// (rarely) write-offs. After every step: totalAssets == cash + totalDebt exactly, the ledger matches
    /// the recorded positions, and the share price never decreases except on a write-off.
    function testFuzz_randomOperations(uint256 seed) public {
        // Seed the pool so the price is defined by real deposits.
        vm.prank(lenders[0]);
        pool.deposit(1000 * UNIT, lenders[0]);
        (uint256 priceNum, uint256 priceDen) = _price();

        for (uint256 i = 0; i < 32; i++) {
            bool writeOff = _step(uint256(keccak256(abi.encode(seed, i))));

            // Exact accounting identity, also while interest is pending (after a warp).
            assertEq(pool.totalAssets(), pool.cash() + pool.totalDebt(), "totalAssets != cash + debt");
            assertEq(_sumPositions(), pool.totalScaledDebt(), "ledger != positions");
            assertGe(token.balanceOf(address(pool)), pool.cash(), "cash not backed by tokens");

            // Share price after bringing interest up to date.
            pool.accrueInterest();
            (uint256 num, uint256 den) = _price();
            if (!writeOff) {
                // num/den >= priceNum/priceDen, cross-multiplied (no overflow at these sizes).
                assertGe(num * priceDen, priceNum * den, "share price decreased");
            }
            (priceNum, priceDen) = (num, den);

            _checkDebtsCoverTotal();
        }
    }

    /// @dev One random operation; returns whether it wrote debt off (the only way the price may drop).
    function _step(uint256 r) internal returns (bool writeOff) {
        uint256 op = r % 17;
        uint256 amt = r >> 16;
        address lender = lenders[(r >> 8) % lenders.length];
        if (op < 3) {
            vm.prank(lender);
            pool.deposit(bound(amt, 1, 1e7 * UNIT), lender);
        } else if (op < 4) {
            vm.prank(lender);
            pool.mint(bound(amt, 1, 1e7 * UNIT * V), lender);
        } else if (op < 6) {
            uint256 max = pool.maxWithdraw(lender);
            if (max != 0) {
                vm.prank(lender);
                pool.withdraw(bound(amt, 1, max), lender, lender);
            }
        } else if (op < 7) {
            uint256 max = pool.maxRedeem(lender);
            if (max != 0) {
                vm.prank(lender);
                pool.redeem(bound(amt, 1, max), lender, lender);
            }
        } else if (op < 10) {
            _borrow(amt);
        } else if (op < 13) {
            _repay(amt, r);
        } else if (op < 16) {
            skip(bound(amt, 1, 60 days));
        } else if (positions.length != 0) {
            _writeOff(amt);
            writeOff = true;
        }
    }

    /// @dev Per-borrower debts round up: their sum covers the pool's rounded-down total, by at most
    /// 1 wei per borrower.
    function _checkDebtsCoverTotal() internal view {
        uint256 index = pool.borrowIndex();
        uint256 owed;
        for (uint256 j = 0; j < positions.length; j++) {
            owed += Math.mulDiv(positions[j], index, RAY, Math.Rounding.Ceil);
        }
        assertGe(owed, pool.totalDebt(), "sum of debts below total debt");
        assertLe(owed, pool.totalDebt() + positions.length, "sum of debts too far above total debt");
    }

    function _borrow(uint256 amt) internal {
        uint256 available = pool.cash();
        if (available == 0) return;
        uint256 assets = bound(amt, 1, available);
        uint256 scaled = pool.borrow(assets, BORROWER);
        // The borrower never owes less than it took.
        assertGe(Math.mulDiv(scaled, pool.borrowIndex(), RAY, Math.Rounding.Ceil), assets, "owes less than borrowed");
        positions.push(scaled);
    }

    /// @dev Repays like the engine: floor(assets * RAY / index) for a partial repayment, the whole
    /// scaled debt for ceil(scaled * index / RAY) for a full one. Tokens arrive before the call.
    function _repay(uint256 amt, uint256 r) internal {
        if (positions.length == 0) return;
        uint256 j = (r >> 24) % positions.length;
        uint256 index = pool.currentBorrowIndex();
        uint256 owed = Math.mulDiv(positions[j], index, RAY, Math.Rounding.Ceil);
        bool full = (r >> 32) % 3 == 0;
        uint256 assets = full ? owed : bound(amt, 1, owed);
        uint256 scaled = assets == owed ? positions[j] : Math.mulDiv(assets, RAY, index);
        token.mint(address(pool), assets);
        pool.repay(assets, scaled, BORROWER);
        assertEq(pool.borrowIndex(), index, "currentBorrowIndex differs from the accrued index");
        if (scaled == positions[j]) {
            positions[j] = positions[positions.length - 1];
            positions.pop();
        } else {
            positions[j] -= scaled;
        }
    }

    function _writeOff(uint256 amt) internal {
        uint256 j = amt % positions.length;
        uint256 assetsBefore = pool.totalAssets();
        (uint256 written, ) = pool.socialiseBadDebt(positions[j]);
        // Total assets fall by exactly what was written off.
        assertEq(assetsBefore - pool.totalAssets(), written, "loss differs from the written-off debt");
        positions[j] = positions[positions.length - 1];
        positions.pop();
    }

    function _sumPositions() internal view returns (uint256 sum) {
        for (uint256 j = 0; j < positions.length; j++) sum += positions[j];
    }

    /// @dev Share price as the ERC-4626 conversion sees it: (totalAssets + 1) / (totalSupply + V).
    function _price() internal view returns (uint256, uint256) {
        return (pool.totalAssets() + 1, pool.totalSupply() + V);
    }

    // ---------------------------------------------------------------------------------------------
    // Targeted properties
    // ---------------------------------------------------------------------------------------------

    /// @notice Scaled debt rounds up at any index: a borrower never owes less than it took, and an
    /// immediate repayment of the same amount never clears more scaled debt than was recorded.
    function testFuzz_borrowRoundingNeverOwesLess(uint256 priorBorrow, uint256 dt, uint256 assets) public {
        vm.prank(lenders[0]);
        pool.deposit(1e9 * UNIT, lenders[0]);
        priorBorrow = bound(priorBorrow, 1, 9e8 * UNIT);
        pool.borrow(priorBorrow, BORROWER);
        skip(bound(dt, 1, 5 * 365 days)); // grows the index to an arbitrary value
        assets = bound(assets, 1, pool.cash());

        uint256 scaled = pool.borrow(assets, BORROWER);
        uint256 index = pool.borrowIndex();
        assertGt(index, RAY, "index did not grow");
        assertGe(Math.mulDiv(scaled, index, RAY, Math.Rounding.Ceil), assets, "owes less than borrowed");
        assertLe(Math.mulDiv(assets, RAY, index), scaled, "repaying the same amount clears more than recorded");
        assertEq(scaled, Math.mulDiv(assets, RAY, index, Math.Rounding.Ceil), "scaled != ceil(assets * RAY / index)");
    }

    /// @notice Previews made while interest is pending equal the results of the calls (which accrue first).
    function testFuzz_previewsMatchWithPendingInterest(uint256 borrowed, uint256 dt, uint256 amount) public {
        address lender = lenders[1];
        vm.prank(lenders[0]);
        pool.deposit(1e6 * UNIT, lenders[0]);
        vm.prank(lender);
        pool.deposit(1e6 * UNIT, lender);
        pool.borrow(bound(borrowed, 1, 19e5 * UNIT), BORROWER);
        uint256 dtBound = bound(dt, 1, 365 days);
        amount = bound(amount, 1, 1e5 * UNIT);

        skip(dtBound);
        uint256 preview = pool.previewDeposit(amount);
        vm.prank(lender);
        assertEq(pool.deposit(amount, lender), preview, "deposit");

        skip(dtBound);
        preview = pool.previewMint(amount * V);
        vm.prank(lender);
        assertEq(pool.mint(amount * V, lender), preview, "mint");

        skip(dtBound);
        uint256 withdrawable = Math.min(amount, pool.maxWithdraw(lender));
        if (withdrawable != 0) {
            preview = pool.previewWithdraw(withdrawable);
            vm.prank(lender);
            assertEq(pool.withdraw(withdrawable, lender, lender), preview, "withdraw");
        }

        skip(dtBound);
        uint256 redeemable = Math.min(amount * V, pool.maxRedeem(lender));
        if (redeemable != 0) {
            preview = pool.previewRedeem(redeemable);
            vm.prank(lender);
            assertEq(pool.redeem(redeemable, lender, lender), preview, "redeem");
        }

        // The fund's pending reserve shares are withdrawable exactly as the view says.
        skip(dtBound);
        uint256 fundMax = pool.maxWithdraw(address(fund));
        if (fundMax != 0) {
            vm.prank(address(fund));
            pool.withdraw(fundMax, address(fund), address(fund));
        }
        assertEq(token.balanceOf(address(fund)), fundMax, "fund maxWithdraw");
    }

    // ---------------------------------------------------------------------------------------------
    // Rate model
    // ---------------------------------------------------------------------------------------------

    function _setRandomParameters(uint256 base, uint256 low, uint256 high, uint256 kink) internal {
        model.setParameters(
            IKinkedRateModel.RateParameters({
                baseRate: uint64(bound(base, 0, model.MAX_BASE_RATE())),
                slopeLow: uint64(bound(low, 0, model.MAX_SLOPE_LOW())),
                slopeHigh: uint64(bound(high, 0, model.MAX_SLOPE_HIGH())),
                kink: uint64(bound(kink, model.MIN_KINK(), model.MAX_KINK()))
            })
        );
    }

    /// @notice The borrow rate is non-decreasing in utilisation, for any valid parameters.
    function testFuzz_rateMonotonicInUtilisation(
        uint256 base,
        uint256 low,
        uint256 high,
        uint256 kink,
        uint256 u1,
        uint256 u2
    ) public {
        _setRandomParameters(base, low, high, kink);
        u1 = bound(u1, 0, 1.2e18);
        u2 = bound(u2, 0, 1.2e18);
        if (u1 > u2) (u1, u2) = (u2, u1);
        assertLe(model.rateAtUtilisation(u1), model.rateAtUtilisation(u2), "rate decreased with utilisation");
        // And through the (cash, borrowed) interface: more borrowed against the same cash never lowers the rate.
        uint256 cashAmount = bound(u1, 0, 1e30);
        uint256 b1 = bound(base ^ u2, 0, 1e30);
        uint256 b2 = bound(high ^ u1, 0, 1e30);
        if (b1 > b2) (b1, b2) = (b2, b1);
        assertLe(model.borrowRatePerSecond(cashAmount, b1), model.borrowRatePerSecond(cashAmount, b2), "rate(cash, b)");
        // Bounded by the rate at 100% utilisation.
        IKinkedRateModel.RateParameters memory p = model.parameters();
        assertLe(model.rateAtUtilisation(u2), uint256(p.baseRate) + p.slopeLow + p.slopeHigh, "above max rate");
    }

    /// @notice Continuity at the kink: both branches meet at base + slopeLow, and one unit of
    /// utilisation either side moves the rate by at most 1 (rounding) [wad per second].
    function testFuzz_rateContinuousAtKink(uint256 base, uint256 low, uint256 high, uint256 kink, uint256 d) public {
        _setRandomParameters(base, low, high, kink);
        IKinkedRateModel.RateParameters memory p = model.parameters();
        uint256 k = p.kink;
        uint256 atKink = model.rateAtUtilisation(k);
        assertEq(atKink, uint256(p.baseRate) + p.slopeLow, "rate at kink");
        assertApproxEqAbs(model.rateAtUtilisation(k - 1), atKink, 1, "left of kink");
        assertApproxEqAbs(model.rateAtUtilisation(k + 1), atKink, 1, "right of kink");
        // A step d to either side changes the rate by at most the steeper slope times d (+1 rounding).
        d = bound(d, 0, k - 1);
        uint256 steeper = Math.max(
            Math.mulDiv(p.slopeLow, d, k, Math.Rounding.Ceil),
            Math.mulDiv(p.slopeHigh, d, WAD - k, Math.Rounding.Ceil)
        );
        assertLe(atKink - model.rateAtUtilisation(k - d), steeper, "left jump");
        if (k + d <= WAD) assertLe(model.rateAtUtilisation(k + d) - atKink, steeper, "right jump");
    }
}
