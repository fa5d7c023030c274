// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IPriceCurve} from "../../interfaces/IPriceCurve.sol";
import {GeometricCurve, GeometricDecay} from "./GeometricCurve.sol";

/// @title Stair-step Dutch-auction curve
/// @notice price = top * cut^floor(elapsed / step): constant within a step, multiplied by `cut` at each
/// step boundary (e.g. cut 0.99e18, step 90 s: -1% every 90 seconds).
/// @dev Rounding: cut^n is rounded down to wad (GeometricDecay.powDown), then
/// price = floor(top * factor / 1e18), so price * 1e18 <= top * factor <= top * exact cut^n.
/// Non-increasing in elapsed because powDown is non-increasing in n.
contract StairstepCurve is GeometricCurve {
    constructor(uint256 cut_, uint256 step_) GeometricCurve(cut_, step_) {}

    /// @inheritdoc GeometricCurve
    function factor(uint256 elapsed) public view override returns (uint256) {
        return GeometricDecay.powDown(cut, elapsed / step);
    }

    /// @inheritdoc IPriceCurve
    function describe() external view returns (string memory) {
        return
            string.concat("stairstep: x", GeometricDecay.formatFraction(cut), " every ", Strings.toString(step), " s");
    }
}
