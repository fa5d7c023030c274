// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IPriceCurve} from "../../interfaces/IPriceCurve.sol";

/// @title Geometric decay maths shared by the exponential and stair-step curves
/// @notice Computes cut^n [wad], rounded down, for any n, without overflow.
library GeometricDecay {
    /// @dev Bounds of the factor kept per step [wad] and of the step [s], shared by both curves.
    /// The cut is at least 0.5 (at most halving per step: a steeper fall skips past fair prices
    /// between two blocks) and at most 0.9999 (at least 0.01% per step, so the price does fall).
    uint256 internal constant MIN_CUT = 0.5e18;
    uint256 internal constant MAX_CUT = 0.9999e18;
    uint256 internal constant MIN_STEP = 1;
    uint256 internal constant MAX_STEP = 1 hours;

    /// @dev Internal precision of the power: 1e36 means 1. Products of two such numbers are at most
    /// 1e72 < 2^256, so plain multiplication never overflows.
    uint256 private constant PRECISION = 1e36;
    /// @dev PRECISION / WAD, converts between the two scales.
    uint256 private constant WAD_TO_PRECISION = 1e18;

    /// @notice cut^n [wad], rounded down. `cut` [wad] must be <= 1e18.
    /// @dev Exponentiation by squaring at 1e36 precision, every product rounded down, then one final
    /// rounding down to wad. Properties, with c = cut / 1e18, P(n) the 1e36-scaled result before the
    /// final rounding and T(n) = c^n * 1e36 the exact value:
    /// - P(n) <= T(n): each step rounds down and every factor is non-negative.
    /// - T(n) - P(n) <= n (units of 1e-36): a product of two values carrying errors e1 and e2 (both
    ///   values <= 1) carries at most e1 + e2 + 1, so the k-th square carries at most 2^k - 1, and
    ///   the result, one product per set bit k of n, at most sum(2^k) = n.
    /// - Non-increasing in n after the final rounding, for c <= 0.9999: if P(n + 1) < 1e18 its wad
    ///   value is 0; otherwise T(n) >= 1e18, which forces n < 4.2e5, and then
    ///   P(n) >= T(n) - n > T(n) * c = T(n + 1) >= P(n + 1) because T(n) * (1 - c) >= 1e14 > n.
    /// - Stops early: once the running result, or a square still to be multiplied in, drops below
    ///   1e18 (1e-18) the wad result can only be 0. After about 20 squarings (c^(2^20) < 1e-36 for
    ///   c <= 0.9999) this is always the case, so any n, even type(uint256).max, costs at most ~20
    ///   iterations.
    function powDown(uint256 cut, uint256 n) internal pure returns (uint256) {
        uint256 result = PRECISION;
        uint256 base = cut * WAD_TO_PRECISION; // [1e36], <= 1e36
        unchecked {
            while (true) {
                if (n & 1 == 1) {
                    result = (result * base) / PRECISION;
                    // Later factors are <= 1, so the result can only shrink: its wad value stays 0.
                    if (result < WAD_TO_PRECISION) return 0;
                }
                n >>= 1;
                if (n == 0) break;
                base = (base * base) / PRECISION;
                // A set bit remains, so the result will be multiplied by a factor <= base < 1e-18:
                // result * base / 1e36 < 1e18, i.e. 0 at wad precision.
                if (base < WAD_TO_PRECISION) return 0;
            }
        }
        return result / WAD_TO_PRECISION;
    }

    /// @notice Reverts with `CurveParameterOutOfBounds` unless cut and step are within bounds.
    function checkParameters(uint256 cut, uint256 step) internal pure {
        if (cut < MIN_CUT || cut > MAX_CUT) {
            revert IPriceCurve.CurveParameterOutOfBounds("cut", cut, MIN_CUT, MAX_CUT);
        }
        if (step < MIN_STEP || step > MAX_STEP) {
            revert IPriceCurve.CurveParameterOutOfBounds("step", step, MIN_STEP, MAX_STEP);
        }
    }

    /// @notice Formats a wad strictly below 1e18 as a decimal, e.g. 0.99e18 -> "0.99".
    function formatFraction(uint256 wad) internal pure returns (string memory) {
        // 1e18 + wad has 19 digits: a leading "1", then the 18 fractional digits.
        bytes memory digits = bytes(Strings.toString(1e18 + wad));
        uint256 end = digits.length;
        while (end > 2 && digits[end - 1] == "0") end--;
        bytes memory out = new bytes(end + 1); // "0." + digits[1:end]
        out[0] = "0";
        out[1] = ".";
        for (uint256 i = 1; i < end; i++) out[i + 1] = digits[i];
        return string(out);
    }
}

/// @title Shared shape of the geometric curves: immutable cut and step, price = top x factor(elapsed)
abstract contract GeometricCurve is IPriceCurve {
    uint256 internal constant WAD = 1e18;

    /// @notice Bounds of `cut` [wad] and `step` [s] (see GeometricDecay).
    uint256 public constant MIN_CUT = GeometricDecay.MIN_CUT;
    uint256 public constant MAX_CUT = GeometricDecay.MAX_CUT;
    uint256 public constant MIN_STEP = GeometricDecay.MIN_STEP;
    uint256 public constant MAX_STEP = GeometricDecay.MAX_STEP;

    /// @notice Fraction of the price kept per step [wad].
    uint256 public immutable cut;
    /// @notice Length of one step [s].
    uint256 public immutable step;

    /// @param cut_ Fraction of the price kept per step [wad], in [MIN_CUT, MAX_CUT].
    /// @param step_ Length of one step [s], in [MIN_STEP, MAX_STEP].
    constructor(uint256 cut_, uint256 step_) {
        GeometricDecay.checkParameters(cut_, step_);
        cut = cut_;
        step = step_;
    }

    /// @inheritdoc IPriceCurve
    function price(uint256 top, uint256 elapsed) external view returns (uint256) {
        return Math.mulDiv(top, factor(elapsed), WAD);
    }

    /// @notice The fraction of the top price reached after `elapsed` seconds [wad], rounded down:
    /// price(top, elapsed) == floor(top * factor(elapsed) / 1e18).
    /// @param elapsed Time since the auction started [s].
    function factor(uint256 elapsed) public view virtual returns (uint256);
}
