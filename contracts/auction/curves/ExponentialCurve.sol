// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IPriceCurve} from "../../interfaces/IPriceCurve.sol";
import {GeometricCurve, GeometricDecay} from "./GeometricCurve.sol";

/// @title Exponential Dutch-auction curve
/// @notice price = top * cut^(elapsed / step): the price keeps the fraction `cut` of itself every `step`
/// seconds (e.g. cut 0.99e18, step 60 s: -1% per minute).
/// @dev Fractional exponent: cut^n for the whole steps n = floor(elapsed / step) is computed by
/// exponentiation by squaring (GeometricDecay.powDown), and within a step the factor is interpolated
/// linearly between cut^n and cut^(n+1):
///     factor = cut^n - (cut^n - cut^(n+1)) * (elapsed % step) / step.
/// This is chosen over a true fractional power (which would need exp/ln approximations) because it
/// is cheap, exact at every step boundary and still lowers the price every second, not only once per
/// step. By convexity the linear interpolation lies slightly above the true continuous exponential
/// inside a step (at most +6% of the price, near mid-step, for cut = 0.5, ~0.0013% for cut = 0.99, 0 at
/// every boundary); the curve keeps all IPriceCurve guarantees.
/// Rounding: cut^n and cut^(n+1) are rounded down to wad, the interpolation term rounded up so the
/// factor is rounded down, then price = floor(top * factor / 1e18). Hence
///     price * 1e18 <= top * factor <= top * exact interpolated factor.
/// Monotonicity: within a step the factor goes from cut^n down to at least cut^(n+1), which is exactly
/// the value the next step starts from (same computation); across steps powDown is non-increasing.
contract ExponentialCurve is GeometricCurve {
    constructor(uint256 cut_, uint256 step_) GeometricCurve(cut_, step_) {}

    /// @inheritdoc GeometricCurve
    function factor(uint256 elapsed) public view override returns (uint256) {
        uint256 s = step;
        uint256 n = elapsed / s;
        uint256 rest = elapsed % s; // [s], < step
        uint256 c = cut;
        uint256 atStep = GeometricDecay.powDown(c, n);
        if (rest == 0 || atStep == 0) return atStep;
        // rest != 0 implies step >= 2, so n < type(uint256).max and n + 1 cannot overflow.
        uint256 atNextStep = GeometricDecay.powDown(c, n + 1);
        // powDown is non-increasing in n (see GeometricDecay), so the subtraction cannot underflow;
        // (atStep - atNextStep) * rest <= 1e18 * 3600 cannot overflow.
        return atStep - Math.ceilDiv((atStep - atNextStep) * rest, s);
    }

    /// @inheritdoc IPriceCurve
    function describe() external view returns (string memory) {
        return
            string.concat(
                "exponential: x",
                GeometricDecay.formatFraction(cut),
                " per ",
                Strings.toString(step),
                " s, linear within a step"
            );
    }
}
