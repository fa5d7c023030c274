// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IPriceCurve} from "../../interfaces/IPriceCurve.sol";
import {GeometricDecay} from "./ExponentialCurve.sol";

/// @title Stair-step Dutch-auction curve
/// @notice price = top * cut^floor(elapsed / step): constant within a step, multiplied by `cut` at each
/// step boundary (e.g. cut 0.99e18, step 90 s: -1% every 90 seconds).
/// @dev Rounding: cut^n is rounded down to wad (GeometricDecay.powDown), then
/// price = floor(top * factor / 1e18), so price * 1e18 <= top * factor <= top * exact cut^n.
/// Non-increasing in elapsed because powDown is non-increasing in n.
contract StairstepCurve is IPriceCurve {
    uint256 private constant WAD = 1e18;

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
    /// cut^floor(elapsed / step), and price(top, elapsed) == floor(top * factor(elapsed) / 1e18).
    /// @param elapsed Time since the auction started [s].
    function factor(uint256 elapsed) public view returns (uint256) {
        return GeometricDecay.powDown(cut, elapsed / step);
    }

    /// @inheritdoc IPriceCurve
    function describe() external view returns (string memory) {
        return
            string.concat("stairstep: x", GeometricDecay.formatFraction(cut), " every ", Strings.toString(step), " s");
    }
}
