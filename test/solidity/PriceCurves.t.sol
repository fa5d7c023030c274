// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./utils/BaseTest.sol";
import {IPriceCurve} from "../../contracts/interfaces/IPriceCurve.sol";
import {LinearCurve} from "../../contracts/auction/curves/LinearCurve.sol";
import {ExponentialCurve} from "../../contracts/auction/curves/ExponentialCurve.sol";
import {StairstepCurve} from "../../contracts/auction/curves/StairstepCurve.sol";

/// @notice Properties of the Dutch-auction price curves: start at top, never above it, non-increasing,
/// rounded down, known values, constructor bounds, and no revert for any input.
contract PriceCurvesTest is BaseTest {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant MAX_TOP = 1e36; // 1e18 units of account per collateral token [wad]
    uint256 internal constant MIN_DURATION = 60; // [s]
    uint256 internal constant MAX_DURATION = 7 days; // [s]
    uint256 internal constant MIN_CUT = 0.5e18; // [wad]
    uint256 internal constant MAX_CUT = 0.9999e18; // [wad]
    uint256 internal constant MIN_STEP = 1; // [s]
    uint256 internal constant MAX_STEP = 1 hours; // [s]

    /// @dev Emitted by the gas measurement (reported, not asserted); visible with `-vvvv`.
    event GasUsed(string curve, uint256 elapsed, uint256 gas);

    // ------------------------------------------------------------------ helpers

    function _linear(uint256 duration) internal returns (LinearCurve) {
        return new LinearCurve(bound(duration, MIN_DURATION, MAX_DURATION));
    }

    function _exponential(uint256 cut, uint256 step) internal returns (ExponentialCurve) {
        return new ExponentialCurve(bound(cut, MIN_CUT, MAX_CUT), bound(step, MIN_STEP, MAX_STEP));
    }

    function _stairstep(uint256 cut, uint256 step) internal returns (StairstepCurve) {
        return new StairstepCurve(bound(cut, MIN_CUT, MAX_CUT), bound(step, MIN_STEP, MAX_STEP));
    }

    /// @dev Whole steps after which cut^n < 1e-18, so the wad factor is surely 0:
    /// cut^n <= exp(-n * (1 - cut)) and exp(-42) < 1e-18.
    function _stepsToZero(uint256 cut) internal pure returns (uint256) {
        return (42e18 / (WAD - cut)) + 1;
    }

    /// @dev Elapsed time [s]: a quarter of the runs anywhere in uint64, the rest within `horizon`,
    /// where the price is still moving (uniform over uint64 would almost always give 0).
    function _elapsed(uint256 seed, uint256 horizon) internal pure returns (uint256) {
        if (seed % 4 == 0) return bound(seed >> 2, 0, type(uint64).max);
        return bound(seed >> 2, 0, horizon);
    }

    /// @dev cut^n at 1e36 precision by repeated multiplication, each product rounded down (lower bound
    /// of the exact value) or up (upper bound). O(n): test reference only.
    function _refPow36(uint256 cut, uint256 n, bool roundUp) internal pure returns (uint256 r) {
        r = 1e36;
        uint256 c = cut * 1e18;
        for (uint256 i = 0; i < n; i++) {
            r = roundUp ? (r * c + 1e36 - 1) / 1e36 : (r * c) / 1e36;
        }
    }

    function _sameString(string memory a, string memory b) internal pure returns (bool) {
        return keccak256(bytes(a)) == keccak256(bytes(b));
    }

    // ------------------------------------------------------------------ all curves: shared properties

    function _checkStartsAtTopAndBounded(IPriceCurve curve, uint256 top, uint256 elapsed) internal view {
        assertEq(curve.price(top, 0), top, "price(top, 0) != top");
        assertLe(curve.price(top, elapsed), top, "price above top");
    }

    function _checkNonIncreasing(IPriceCurve curve, uint256 top, uint256 e1, uint256 e2) internal view {
        if (e1 > e2) (e1, e2) = (e2, e1);
        assertGe(curve.price(top, e1), curve.price(top, e2), "price increased over time");
    }

    /// Full uint256 ranges for top and elapsed: never reverts, starts at top, never exceeds it.
    function testFuzz_linear_startsAtTopNeverAbove(uint256 duration, uint256 top, uint256 elapsed) public {
        _checkStartsAtTopAndBounded(_linear(duration), top, elapsed);
    }

    function testFuzz_exponential_startsAtTopNeverAbove(
        uint256 cut,
        uint256 step,
        uint256 top,
        uint256 elapsed
    ) public {
        _checkStartsAtTopAndBounded(_exponential(cut, step), top, elapsed);
    }

    function testFuzz_stairstep_startsAtTopNeverAbove(uint256 cut, uint256 step, uint256 top, uint256 elapsed) public {
        _checkStartsAtTopAndBounded(_stairstep(cut, step), top, elapsed);
    }

    function testFuzz_linear_nonIncreasing(uint256 duration, uint256 top, uint256 e1, uint256 e2) public {
        LinearCurve curve = _linear(duration);
        uint256 horizon = curve.duration() + 1;
        top = bound(top, 0, MAX_TOP);
        e1 = _elapsed(e1, horizon);
        _checkNonIncreasing(curve, top, e1, _elapsed(e2, horizon));
        if (e1 < type(uint64).max) _checkNonIncreasing(curve, top, e1, e1 + 1); // adjacent seconds
    }

    function testFuzz_exponential_nonIncreasing(uint256 cut, uint256 step, uint256 top, uint256 e1, uint256 e2) public {
        ExponentialCurve curve = _exponential(cut, step);
        uint256 horizon = curve.step() * _stepsToZero(curve.cut());
        top = bound(top, 0, MAX_TOP);
        e1 = _elapsed(e1, horizon);
        _checkNonIncreasing(curve, top, e1, _elapsed(e2, horizon));
        if (e1 < type(uint64).max) _checkNonIncreasing(curve, top, e1, e1 + 1);
        // Around the step boundary at or after e1, where the interpolation hands over to the next step.
        uint256 boundary = (e1 / curve.step() + 1) * curve.step();
        _checkNonIncreasing(curve, top, boundary - 1, boundary);
        _checkNonIncreasing(curve, top, boundary, boundary + 1);
    }

    function testFuzz_stairstep_nonIncreasing(uint256 cut, uint256 step, uint256 top, uint256 e1, uint256 e2) public {
        StairstepCurve curve = _stairstep(cut, step);
        uint256 horizon = curve.step() * _stepsToZero(curve.cut());
        top = bound(top, 0, MAX_TOP);
        e1 = _elapsed(e1, horizon);
        _checkNonIncreasing(curve, top, e1, _elapsed(e2, horizon));
        uint256 boundary = (e1 / curve.step() + 1) * curve.step();
        _checkNonIncreasing(curve, top, boundary - 1, boundary);
    }

    /// The tail, where the factor is a few wei and rounding could break monotonicity: find the last
    /// whole step with a non-zero factor by bisection, then check every step around it.
    function testFuzz_geometric_tailNonIncreasing(uint256 cut) public {
        cut = bound(cut, MIN_CUT, MAX_CUT);
        StairstepCurve curve = new StairstepCurve(cut, 1); // step 1: factor(n) is cut^n
        uint256 lo = 0; // factor(lo) > 0
        uint256 hi = _stepsToZero(cut); // factor(hi) == 0
        assertEq(curve.factor(hi), 0, "factor not yet 0 at the bound");
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            if (curve.factor(mid) == 0) hi = mid;
            else lo = mid;
        }
        uint256 from = lo > 64 ? lo - 64 : 0;
        uint256 previous = curve.factor(from);
        for (uint256 n = from + 1; n <= hi + 4; n++) {
            uint256 current = curve.factor(n);
            assertLe(current, previous, "factor increased in the tail");
            previous = current;
        }
    }

    /// Extreme inputs: top up to 1e36 and beyond, elapsed up to uint64 max and beyond, never revert.
    function test_noRevertForHugeInputs() public {
        IPriceCurve[6] memory curves = [
            IPriceCurve(new LinearCurve(MIN_DURATION)),
            IPriceCurve(new LinearCurve(MAX_DURATION)),
            IPriceCurve(new ExponentialCurve(MAX_CUT, MAX_STEP)),
            IPriceCurve(new ExponentialCurve(MIN_CUT, MIN_STEP)),
            IPriceCurve(new StairstepCurve(MAX_CUT, MAX_STEP)),
            IPriceCurve(new StairstepCurve(MIN_CUT, MIN_STEP))
        ];
        uint256[4] memory tops = [uint256(1), MAX_TOP, type(uint256).max / 1e18, type(uint256).max];
        uint256[6] memory times = [uint256(1), 1799, 7 days, type(uint64).max - 1, type(uint64).max, type(uint256).max];
        for (uint256 i = 0; i < curves.length; i++) {
            for (uint256 j = 0; j < tops.length; j++) {
                for (uint256 k = 0; k < times.length; k++) {
                    assertLe(curves[i].price(tops[j], times[k]), tops[j], "price above top");
                }
                assertEq(curves[i].price(tops[j], type(uint64).max), 0, "not decayed to 0");
            }
        }
    }

    function testFuzz_noRevertForHugeInputs(
        uint256 duration,
        uint256 cut,
        uint256 step,
        uint256 top,
        uint256 elapsed
    ) public {
        top = bound(top, MAX_TOP / 1e6, MAX_TOP);
        elapsed = bound(elapsed, type(uint64).max / 2, type(uint64).max);
        assertEq(_linear(duration).price(top, elapsed), 0, "linear not 0");
        assertLe(_exponential(cut, step).price(top, elapsed), top, "exponential above top");
        assertLe(_stairstep(cut, step).price(top, elapsed), top, "stairstep above top");
    }

    // ------------------------------------------------------------------ linear

    /// Rounding: price == floor(top * (duration - elapsed) / duration), checked exactly as
    /// price * duration <= top * (duration - elapsed) < (price + 1) * duration (no overflow: top <= 1e36).
    function testFuzz_linear_roundsDownExactly(uint256 duration, uint256 top, uint256 elapsed) public {
        LinearCurve curve = _linear(duration);
        uint256 d = curve.duration();
        top = bound(top, 0, MAX_TOP);
        elapsed = bound(elapsed, 0, d - 1);
        uint256 p = curve.price(top, elapsed);
        uint256 exactTimesD = top * (d - elapsed);
        assertLe(p * d, exactTimesD, "linear rounded up");
        assertGt((p + 1) * d, exactTimesD, "linear not the floor");
    }

    function testFuzz_linear_halfDurationIsHalfTop(uint256 halfDuration, uint256 top) public {
        halfDuration = bound(halfDuration, MIN_DURATION / 2, MAX_DURATION / 2);
        LinearCurve curve = new LinearCurve(2 * halfDuration);
        assertEq(curve.price(top, halfDuration), top / 2, "linear at half duration != top / 2");
    }

    function testFuzz_linear_zeroFromDuration(uint256 duration, uint256 top, uint256 extra) public {
        LinearCurve curve = _linear(duration);
        uint256 d = curve.duration();
        top = bound(top, d, MAX_TOP); // top >= d: one second before the end is still > 0
        assertGt(curve.price(top, d - 1), 0, "linear 0 before duration");
        assertEq(curve.price(top, d), 0, "linear not 0 at duration");
        assertEq(curve.price(top, d + bound(extra, 0, type(uint64).max)), 0, "linear not 0 after duration");
    }

    function test_linear_knownValues() public {
        LinearCurve curve = new LinearCurve(3600);
        assertEq(curve.price(1e18, 900), 0.75e18, "quarter");
        assertEq(curve.price(1e18, 1800), 0.5e18, "half");
        assertEq(curve.price(1e18, 3599), 277777777777777, "last second: 1e18 / 3600 rounded down");
        assertTrue(_sameString(curve.describe(), "linear: 0 after 3600 s"), "describe");
    }

    // ------------------------------------------------------------------ exponential

    /// Rounding, two checks:
    /// 1. price is exactly floor(top * factor / 1e18): price * 1e18 <= top * factor < (price + 1) * 1e18.
    /// 2. factor never exceeds the exact interpolated value
    ///    cut^n + (cut^(n+1) - cut^n) * r / step, with cut [wad], n = elapsed / step, r = elapsed % step,
    ///    checked in integers against its floor for n <= 3, where cut^(n+1) * step <= 1e72 * 3600 fits in
    ///    256 bits. Lower side: cut^n and cut^(n+1) are each less than 1 wei (+ n * 1e-18) below exact, and
    ///    the rounded-up interpolation term costs < 1 more wei, so factor >= exact floor - 2.
    function testFuzz_exponential_roundsDown(uint256 cut, uint256 step, uint256 top, uint256 elapsed) public {
        ExponentialCurve curve = _exponential(cut, step);
        uint256 s = curve.step();
        uint256 c = curve.cut();
        top = bound(top, 0, MAX_TOP);
        elapsed = bound(elapsed, 0, 4 * s - 1); // n <= 3
        uint256 f = curve.factor(elapsed);
        uint256 p = curve.price(top, elapsed);
        assertLe(p * WAD, top * f, "price rounded up");
        assertGt((p + 1) * WAD, top * f, "price not the floor");

        uint256 n = elapsed / s;
        uint256 r = elapsed % s;
        // exact factor [wad] = ((s - r) * cut^n * 1e18 + r * cut^(n+1)) / (s * 1e18^n)
        uint256 exactFloor = ((s - r) * c ** n * WAD + r * c ** (n + 1)) / (s * WAD ** n);
        assertLe(f, exactFloor, "factor above the exact value");
        assertGe(f + 2, exactFloor, "factor more than 2 wei below the exact value");
    }

    /// For larger n, against the O(n) references: floor(lower) - 2 <= factor <= floor(upper), where the
    /// references bracket the exact cut^n (and cut^(n+1)) to within n units of 1e-36 (tolerance: see
    /// testFuzz_exponential_roundsDown).
    function testFuzz_exponential_matchesReference(uint256 cut, uint256 step, uint256 elapsed) public {
        ExponentialCurve curve = _exponential(cut, step);
        uint256 s = curve.step();
        uint256 c = curve.cut();
        elapsed = bound(elapsed, 0, 300 * s - 1);
        uint256 n = elapsed / s;
        uint256 r = elapsed % s;
        uint256 lowA = _refPow36(c, n, false);
        uint256 lowB = _refPow36(c, n + 1, false);
        uint256 highA = _refPow36(c, n, true);
        uint256 highB = _refPow36(c, n + 1, true);
        uint256 lower = ((s - r) * lowA + r * lowB) / s / 1e18;
        uint256 upper = ((s - r) * highA + r * highB) / s / 1e18;
        uint256 f = curve.factor(elapsed);
        assertLe(f, upper, "factor above the upper reference");
        assertGe(f + 2, lower, "factor more than 2 wei below the lower reference");
    }

    /// 0.99^100 = 0.366032341273229504930616026572517386... Tolerance: the factor is cut^100 at 1e36
    /// precision (error <= 100 units of 1e-36) rounded down once to wad, so it is floor(exact) or 1 wei
    /// less; the price then rounds down once more. With top = 1e18: price in [floor(exact) - 1, floor(exact)].
    /// With top = 1e36 each wei of factor is worth 1e18 of price: [floor(exact) - 1e18 - 1, floor(exact)].
    function test_exponential_knownValue_099_perSecond_after100s() public {
        ExponentialCurve curve = new ExponentialCurve(0.99e18, 1);
        uint256 exact18 = 366032341273229504; // floor(0.99^100 * 1e18)
        uint256 p = curve.price(1e18, 100);
        assertLe(p, exact18, "above exact (top 1e18)");
        assertGe(p + 1, exact18, "more than 1 wei below exact (top 1e18)");

        uint256 exact36 = 366032341273229504930616026572517386; // floor(0.99^100 * 1e36)
        p = curve.price(1e36, 100);
        assertLe(p, exact36, "above exact (top 1e36)");
        assertGe(p + 1e18 + 1, exact36, "too far below exact (top 1e36)");

        assertTrue(_sameString(curve.describe(), "exponential: x0.99 per 1 s, linear within a step"), "describe");
    }

    function test_exponential_knownValues_interpolation() public {
        ExponentialCurve curve = new ExponentialCurve(0.99e18, 60);
        assertEq(curve.price(1e18, 30), 0.995e18, "half-way through the first step");
        assertEq(curve.price(1e18, 60), 0.99e18, "first boundary");
        assertEq(curve.price(1e18, 90), 0.98505e18, "half-way through the second step: (0.99 + 0.9801) / 2");
        assertEq(curve.price(1e18, 120), 0.9801e18, "second boundary");
        // 1 s into the first step: 1 - 0.01 / 60 = 0.99983333..., the factor rounded down.
        assertEq(curve.price(1e18, 1), 999833333333333333, "one second");
        assertTrue(
            _sameString(
                new ExponentialCurve(0.9999e18, 3600).describe(),
                "exponential: x0.9999 per 3600 s, linear within a step"
            ),
            "describe 0.9999"
        );
    }

    /// The exponential and stair-step curves with the same parameters agree at every step boundary,
    /// and in between the exponential one has already moved down from it, but not past the next one.
    function testFuzz_exponential_matchesStairstepAtBoundaries(
        uint256 cut,
        uint256 step,
        uint256 top,
        uint256 n,
        uint256 r
    ) public {
        ExponentialCurve exp = _exponential(cut, step);
        StairstepCurve stair = new StairstepCurve(exp.cut(), exp.step());
        uint256 s = exp.step();
        top = bound(top, 0, MAX_TOP);
        n = bound(n, 0, _stepsToZero(exp.cut()));
        r = bound(r, 0, s - 1);
        assertEq(exp.price(top, n * s), stair.price(top, n * s), "differ at a boundary");
        assertLe(exp.price(top, n * s + r), stair.price(top, n * s + r), "exponential above the step");
        assertGe(exp.price(top, n * s + r), stair.price(top, (n + 1) * s), "exponential below the next step");
    }

    /// The price falls every second (not only once per step) while the factor is at least 1e12 [wad]:
    /// then cut^n - cut^(n+1) >= 1e12 * (1 - 0.9999) - 2 > 3600 >= step, so each second removes >= 1 wei.
    function testFuzz_exponential_strictlyDecreasingEverySecond(uint256 cut, uint256 step, uint256 elapsed) public {
        ExponentialCurve curve = _exponential(cut, step);
        elapsed = bound(elapsed, 0, curve.step() * _stepsToZero(curve.cut()));
        uint256 f = curve.factor(elapsed);
        if (f < 1e12) return;
        assertLt(curve.factor(elapsed + 1), f, "factor did not fall in one second");
    }

    // ------------------------------------------------------------------ stair-step

    /// Rounding, two checks:
    /// 1. price is exactly floor(top * factor / 1e18): price * 1e18 <= top * factor < (price + 1) * 1e18.
    /// 2. factor never exceeds the exact cut^n: checked against floor(cut^n / 1e18^(n-1)) for n <= 4
    ///    (cut^4 <= 1e72 fits), and within 1 wei of it.
    function testFuzz_stairstep_roundsDown(uint256 cut, uint256 step, uint256 top, uint256 elapsed) public {
        StairstepCurve curve = _stairstep(cut, step);
        uint256 s = curve.step();
        uint256 c = curve.cut();
        top = bound(top, 0, MAX_TOP);
        elapsed = bound(elapsed, 0, 5 * s - 1); // n <= 4
        uint256 f = curve.factor(elapsed);
        uint256 p = curve.price(top, elapsed);
        assertLe(p * WAD, top * f, "price rounded up");
        assertGt((p + 1) * WAD, top * f, "price not the floor");

        uint256 n = elapsed / s;
        uint256 exactFloor = n == 0 ? WAD : c ** n / WAD ** (n - 1);
        assertLe(f, exactFloor, "factor above the exact value");
        assertGe(f + 1, exactFloor, "factor more than 1 wei below the exact value");
    }

    function testFuzz_stairstep_matchesReference(uint256 cut, uint256 n) public {
        StairstepCurve curve = new StairstepCurve(bound(cut, MIN_CUT, MAX_CUT), 1);
        n = bound(n, 0, 300);
        uint256 f = curve.factor(n);
        assertLe(f, _refPow36(curve.cut(), n, true) / 1e18, "factor above the upper reference");
        assertGe(f + 1, _refPow36(curve.cut(), n, false) / 1e18, "factor more than 1 wei below the lower reference");
    }

    /// Constant within a step; at each boundary the price is multiplied by cut. Exactly at the first
    /// boundary (price(top, step) == floor(top * cut / 1e18)); at later ones cut^(n+1) is computed by
    /// squaring, not as cut^n * cut, so the two roundings may differ: each factor is within 1 wei (plus
    /// n * 1e-18) below the exact value, so the prices differ by at most 2 * top / 1e18 + 2.
    function testFuzz_stairstep_constantWithinStepDropsByCut(
        uint256 cut,
        uint256 step,
        uint256 top,
        uint256 n,
        uint256 r
    ) public {
        StairstepCurve curve = _stairstep(cut, step);
        uint256 s = curve.step();
        uint256 c = curve.cut();
        top = bound(top, 0, MAX_TOP);
        n = bound(n, 0, _stepsToZero(c));
        r = bound(r, 0, s - 1);
        uint256 atStep = curve.price(top, n * s);
        assertEq(curve.price(top, n * s + r), atStep, "not constant within a step");
        assertEq(curve.price(top, s), (top * c) / WAD, "first drop is not exactly cut");
        uint256 next = curve.price(top, (n + 1) * s);
        assertApproxEqAbs(next, (atStep * c) / WAD, (2 * top) / WAD + 2, "drop at a boundary is not cut");
        assertApproxEqAbs(curve.factor((n + 1) * s), (curve.factor(n * s) * c) / WAD, 2, "factor drop is not cut");
    }

    function test_stairstep_knownValues() public {
        StairstepCurve curve = new StairstepCurve(0.5e18, 60);
        assertEq(curve.price(1e18, 59), 1e18, "first step");
        assertEq(curve.price(1e18, 60), 0.5e18, "second step");
        assertEq(curve.price(1e18, 600), 1e18 / 1024, "tenth step");
        assertEq(curve.price(1e18, 60 * 60), 0, "2^-60 < 1e-18");
        assertTrue(_sameString(curve.describe(), "stairstep: x0.5 every 60 s"), "describe");
    }

    // ------------------------------------------------------------------ constructor bounds

    function _expectOutOfBounds(string memory name, uint256 value, uint256 min, uint256 max) internal {
        vm.expectRevert(abi.encodeWithSelector(IPriceCurve.CurveParameterOutOfBounds.selector, name, value, min, max));
    }

    /// @dev Draws a value outside [min, max] (min > 0, max < uint256 max).
    function _outside(uint256 seed, uint256 min, uint256 max) internal pure returns (uint256) {
        if (seed % 2 == 0) return bound(seed >> 1, 0, min - 1);
        return bound(seed >> 1, max + 1, type(uint256).max);
    }

    function testFuzz_linear_constructorBounds(uint256 seed) public {
        uint256 duration = _outside(seed, MIN_DURATION, MAX_DURATION);
        _expectOutOfBounds("duration", duration, MIN_DURATION, MAX_DURATION);
        new LinearCurve(duration);
    }

    function testFuzz_exponential_constructorBounds(uint256 seed, uint256 cut, uint256 step) public {
        uint256 badCut = _outside(seed, MIN_CUT, MAX_CUT);
        _expectOutOfBounds("cut", badCut, MIN_CUT, MAX_CUT);
        new ExponentialCurve(badCut, bound(step, MIN_STEP, MAX_STEP));

        uint256 badStep = _outside(seed, MIN_STEP, MAX_STEP);
        _expectOutOfBounds("step", badStep, MIN_STEP, MAX_STEP);
        new ExponentialCurve(bound(cut, MIN_CUT, MAX_CUT), badStep);

        // Both wrong: the cut is reported.
        _expectOutOfBounds("cut", badCut, MIN_CUT, MAX_CUT);
        new ExponentialCurve(badCut, badStep);
    }

    function testFuzz_stairstep_constructorBounds(uint256 seed, uint256 cut, uint256 step) public {
        uint256 badCut = _outside(seed, MIN_CUT, MAX_CUT);
        _expectOutOfBounds("cut", badCut, MIN_CUT, MAX_CUT);
        new StairstepCurve(badCut, bound(step, MIN_STEP, MAX_STEP));

        uint256 badStep = _outside(seed, MIN_STEP, MAX_STEP);
        _expectOutOfBounds("step", badStep, MIN_STEP, MAX_STEP);
        new StairstepCurve(bound(cut, MIN_CUT, MAX_CUT), badStep);
    }

    /// The bounds themselves are accepted, and the values just outside them rejected.
    function test_constructorBoundsInclusive() public {
        assertEq(new LinearCurve(MIN_DURATION).duration(), MIN_DURATION, "min duration");
        assertEq(new LinearCurve(MAX_DURATION).duration(), MAX_DURATION, "max duration");
        assertEq(new ExponentialCurve(MIN_CUT, MIN_STEP).cut(), MIN_CUT, "min cut");
        assertEq(new ExponentialCurve(MAX_CUT, MAX_STEP).step(), MAX_STEP, "max step");
        assertEq(new StairstepCurve(MAX_CUT, MIN_STEP).cut(), MAX_CUT, "max cut");
        assertEq(new StairstepCurve(MIN_CUT, MAX_STEP).step(), MAX_STEP, "max step");

        _expectOutOfBounds("duration", 59, MIN_DURATION, MAX_DURATION);
        new LinearCurve(59);
        _expectOutOfBounds("duration", 7 days + 1, MIN_DURATION, MAX_DURATION);
        new LinearCurve(7 days + 1);
        _expectOutOfBounds("cut", 0.5e18 - 1, MIN_CUT, MAX_CUT);
        new ExponentialCurve(0.5e18 - 1, 60);
        _expectOutOfBounds("cut", 0.9999e18 + 1, MIN_CUT, MAX_CUT);
        new StairstepCurve(0.9999e18 + 1, 60);
        _expectOutOfBounds("step", 0, MIN_STEP, MAX_STEP);
        new ExponentialCurve(0.99e18, 0);
        _expectOutOfBounds("step", 1 hours + 1, MIN_STEP, MAX_STEP);
        new StairstepCurve(0.99e18, 1 hours + 1);
    }

    // ------------------------------------------------------------------ gas (reported, not asserted)

    function _measure(string memory name, IPriceCurve curve, uint256 elapsed) internal {
        uint256 before = gasleft();
        curve.price(1e24, elapsed);
        uint256 used = before - gasleft();
        emit GasUsed(name, elapsed, used);
    }

    /// Gas of an external price() call at 30 minutes, including the call overhead (the curves were
    /// created in this transaction, so their accounts are warm: no 2600-gas cold access; a first call
    /// from another contract in a real transaction costs that much more). Run with -vvvv to read the
    /// GasUsed events.
    function test_gas_priceAt30Minutes() public {
        IPriceCurve linear = new LinearCurve(3600);
        IPriceCurve expPerSecond = new ExponentialCurve(0.999e18, 1);
        IPriceCurve expPerMinute = new ExponentialCurve(0.99e18, 60);
        IPriceCurve stairPerMinute = new StairstepCurve(0.99e18, 60);
        IPriceCurve stairPer90s = new StairstepCurve(0.99e18, 90);
        _measure("linear 3600 s", linear, 1800);
        _measure("exponential 0.999/1 s", expPerSecond, 1800);
        _measure("exponential 0.99/60 s, mid-step", expPerMinute, 1830);
        _measure("exponential 0.99/60 s, boundary", expPerMinute, 1800);
        _measure("stairstep 0.99/60 s", stairPerMinute, 1800);
        _measure("stairstep 0.99/90 s", stairPer90s, 1800);
        _measure("exponential 0.999/1 s, uint64 max", expPerSecond, type(uint64).max);
    }
}
