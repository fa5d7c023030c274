// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./utils/BaseTest.sol";
import {RiskMath} from "../../contracts/libraries/RiskMath.sol";

/// @notice Fuzz properties of the health and haircut maths: rounding direction and monotonicity.
contract RiskMathTest is BaseTest {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant MAX_TOTAL = 0.95e18; // VaultEngine.MAX_TOTAL_HAIRCUT
    uint256 internal constant MAX_VALUE = 1e36; // 1e18 USD
    uint256 internal constant MAX_DEPTH = 1e36;

    struct Params {
        uint256 flat;
        uint256 multiplier;
        uint256 cap;
        uint256 depth;
    }

    /// @dev Draws parameters the engine's bounds allow: flat + 2 * cap <= 0.95.
    function _params(
        uint256 flat,
        uint256 multiplier,
        uint256 cap,
        uint256 depth
    ) internal pure returns (Params memory p) {
        p.cap = bound(cap, 0, MAX_TOTAL / 2);
        p.flat = bound(flat, 0, MAX_TOTAL - 2 * p.cap);
        p.multiplier = bound(multiplier, 0, 10e18);
        p.depth = bound(depth, 1e18, MAX_DEPTH);
    }

    function _ev(uint256 value, Params memory p) internal pure returns (uint256) {
        return RiskMath.effectiveValueDown(value, p.flat, p.multiplier, p.cap, p.depth);
    }

    // ------------------------------------------------------------------ effective value

    /// More collateral never lowers effective value, although the size add-on grows with it.
    function testFuzz_effectiveValueNonDecreasingInValue(
        uint256 value,
        uint256 extra,
        uint256 flat,
        uint256 multiplier,
        uint256 cap,
        uint256 depth
    ) public pure {
        Params memory p = _params(flat, multiplier, cap, depth);
        value = bound(value, 0, MAX_VALUE);
        extra = bound(extra, 0, MAX_VALUE - value);
        assertLe(_ev(value, p), _ev(value + extra, p), "more value lowered effective value");
    }

    /// Monotonicity right at the cap boundary, where the two formulas meet.
    function testFuzz_effectiveValueContinuousAtCap(
        uint256 flat,
        uint256 multiplier,
        uint256 cap,
        uint256 depth
    ) public pure {
        Params memory p = _params(flat, multiplier, cap, depth);
        p.multiplier = bound(p.multiplier, 1, 10e18);
        p.cap = bound(p.cap, 1, MAX_TOTAL / 2);
        p.flat = bound(p.flat, 0, MAX_TOTAL - 2 * p.cap);
        uint256 capPoint = (p.cap * p.depth) / p.multiplier; // last value below or at the boundary
        if (capPoint == 0 || capPoint + 2 > MAX_VALUE) return;
        uint256 before = _ev(capPoint - 1, p);
        uint256 at = _ev(capPoint, p);
        uint256 beyond = _ev(capPoint + 1, p);
        assertLe(before, at, "step down entering the cap");
        assertLe(at, beyond, "step down leaving the cap");
    }

    /// A higher haircut never raises effective value.
    function testFuzz_effectiveValueNonIncreasingInHaircut(
        uint256 value,
        uint256 flat,
        uint256 moreFlat,
        uint256 multiplier,
        uint256 cap,
        uint256 depth
    ) public pure {
        Params memory p = _params(flat, multiplier, cap, depth);
        value = bound(value, 0, MAX_VALUE);
        uint256 base = _ev(value, p);
        p.flat = bound(moreFlat, p.flat, MAX_TOTAL - 2 * p.cap);
        assertLe(_ev(value, p), base, "higher flat haircut raised value");
    }

    /// A steeper size add-on never raises effective value.
    function testFuzz_effectiveValueNonIncreasingInSizeMultiplier(
        uint256 value,
        uint256 flat,
        uint256 multiplier,
        uint256 moreMultiplier,
        uint256 cap,
        uint256 depth
    ) public pure {
        Params memory p = _params(flat, multiplier, cap, depth);
        value = bound(value, 0, MAX_VALUE);
        uint256 base = _ev(value, p);
        p.multiplier = bound(moreMultiplier, p.multiplier, 10e18);
        assertLe(_ev(value, p), base, "steeper size add-on raised value");
    }

    /// Effective value sits between the uncapped-size and fully-capped bounds, rounded down.
    function testFuzz_effectiveValueBounds(
        uint256 value,
        uint256 flat,
        uint256 multiplier,
        uint256 cap,
        uint256 depth
    ) public pure {
        Params memory p = _params(flat, multiplier, cap, depth);
        value = bound(value, 0, MAX_VALUE);
        uint256 ev = _ev(value, p);
        assertLe(ev, (value * (WAD - p.flat)) / WAD, "above value without size add-on");
        uint256 worst = p.multiplier == 0 ? p.flat : p.flat + p.cap;
        assertGe(ev, (value * (WAD - worst)) / WAD, "below fully capped value");
    }

    /// The inverse finds a value whose effective value reaches the target, and not much more.
    function testFuzz_valueForEffectiveValueIsTightInverse(
        uint256 target,
        uint256 flat,
        uint256 multiplier,
        uint256 cap,
        uint256 depth
    ) public pure {
        Params memory p = _params(flat, multiplier, cap, depth);
        target = bound(target, 1e6, 1e33);
        uint256 value = RiskMath.valueForEffectiveValueUp(target, p.flat, p.multiplier, p.cap, p.depth);
        assertGe(_ev(value, p), target, "inverse undershoots");
        // Not more than 1e-9 relative (plus rounding) above the smallest such value.
        uint256 slack = value / 1e9 + 2;
        if (value > slack) assertLt(_ev(value - slack, p), target, "inverse far above the minimum");
    }

    // ------------------------------------------------------------------ debt rounding

    /// Borrowing `assets` records at least `assets` of debt.
    function testFuzz_borrowNeverOwesLess(uint256 assets, uint256 index) public pure {
        assets = bound(assets, 0, 1e36);
        index = bound(index, RAY, 100 * RAY);
        uint256 scaled = RiskMath.toScaledUp(assets, index);
        assertGe(RiskMath.toDebtUp(scaled, index), assets, "borrower owes less than taken");
    }

    /// Repaying `assets` clears at most `assets` of debt.
    function testFuzz_repayNeverClearsMore(uint256 scaled, uint256 assets, uint256 index) public pure {
        scaled = bound(scaled, 0, 1e36);
        index = bound(index, RAY, 100 * RAY);
        uint256 debt = RiskMath.toDebtUp(scaled, index);
        assets = bound(assets, 0, debt);
        uint256 scaledRepaid = RiskMath.toScaledDown(assets, index);
        if (scaledRepaid > scaled) scaledRepaid = scaled;
        uint256 cleared = debt - RiskMath.toDebtUp(scaled - scaledRepaid, index);
        assertLe(cleared, assets, "repayer cleared more than paid");
    }

    /// Health factor: more collateral value never lowers it, more debt never raises it.
    function testFuzz_healthFactorMonotone(
        uint256 value,
        uint256 extraValue,
        uint256 debt,
        uint256 extraDebt
    ) public pure {
        value = bound(value, 0, 1e36);
        extraValue = bound(extraValue, 0, 1e36);
        debt = bound(debt, 1, 1e36);
        extraDebt = bound(extraDebt, 0, 1e36);
        uint256 hf = RiskMath.healthFactorDown(value, debt);
        assertLe(hf, RiskMath.healthFactorDown(value + extraValue, debt), "more collateral lowered HF");
        assertGe(hf, RiskMath.healthFactorDown(value, debt + extraDebt), "more debt raised HF");
    }

    /// Collateral value rounds down and debt value rounds up.
    function testFuzz_valueRoundingDirections(uint256 amount, uint256 price, uint8 decimals) public pure {
        amount = bound(amount, 0, 1e36);
        price = bound(price, 1, 1e30);
        uint256 unit = 10 ** bound(decimals, 0, 24);
        uint256 down = RiskMath.valueDown(amount, price, unit);
        uint256 up = RiskMath.debtValueUp(amount, price, unit);
        assertLe(down * unit, amount * price, "collateral value rounded up");
        assertGe(up * unit, amount * price, "debt value rounded down");
        assertLe(up - down, 1, "rounding wider than one unit");
    }

    function test_effectiveValueKnownExample() public pure {
        // $1000 position, 20% flat, size add-on 0.5 * value/depth with depth $10,000, cap 10%:
        // add-on = 0.05, haircut = 0.25, effective = $750.
        uint256 ev = RiskMath.effectiveValueDown(1000e18, 0.2e18, 0.5e18, 0.1e18, 10_000e18);
        assertEq(ev, 750e18, "known example");
        // Capped: $1,000,000 position -> add-on capped at 10%, haircut 0.3, effective $700,000.
        assertEq(RiskMath.effectiveValueDown(1_000_000e18, 0.2e18, 0.5e18, 0.1e18, 10_000e18), 700_000e18, "capped");
    }
}
