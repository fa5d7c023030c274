// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IPriceCurve} from "../../interfaces/IPriceCurve.sol";

/// @title Linear Dutch-auction curve
/// @notice price = top * (1 - elapsed / duration), rounded down; 0 at and after `duration`.
/// @dev Rounding: the result is floor(top * (duration - elapsed) / duration), computed with a full
/// 512-bit intermediate product, so it is exact up to that single floor and never overflows.
contract LinearCurve is IPriceCurve {
    /// @notice Bounds of `duration` [s]: at least a minute (a few blocks for bidders to react), at
    /// most a week (an auction that slow no longer protects the pool).
    uint256 public constant MIN_DURATION = 60;
    uint256 public constant MAX_DURATION = 7 days;

    /// @notice Time after which the price reaches 0 [s].
    uint256 public immutable duration;

    /// @param duration_ Time after which the price reaches 0 [s], in [MIN_DURATION, MAX_DURATION].
    constructor(uint256 duration_) {
        if (duration_ < MIN_DURATION || duration_ > MAX_DURATION) {
            revert CurveParameterOutOfBounds("duration", duration_, MIN_DURATION, MAX_DURATION);
        }
        duration = duration_;
    }

    /// @inheritdoc IPriceCurve
    function price(uint256 top, uint256 elapsed) external view returns (uint256) {
        uint256 d = duration;
        if (elapsed >= d) return 0;
        // (d - elapsed) / d <= 1, so the result is <= top and fits; decreasing in elapsed.
        return Math.mulDiv(top, d - elapsed, d);
    }

    /// @inheritdoc IPriceCurve
    function describe() external view returns (string memory) {
        return string.concat("linear: 0 after ", Strings.toString(duration), " s");
    }
}
