// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IOracle} from "@morpho-org/morpho-blue/src/interfaces/IOracle.sol";

/// @notice Morpho Blue oracle for the gas bench only (scripts/bench-gas.ts): reads the same Chainlink feeds
/// Breakwater reads, the collateral's USD feed and the loan token's USD feed, and returns the price of one
/// collateral unit in loan-token units as Morpho's IOracle specifies: scaled by
/// 1e36 * 10**loanDecimals / 10**collateralDecimals.
contract MorphoChainlinkOracle is IOracle {
    error NegativeExponent();
    error BadAnswer(address feed, int256 answer);

    AggregatorV3Interface public immutable collateralFeed;
    AggregatorV3Interface public immutable loanFeed;
    /// @notice 10**(36 + loan decimals + loan feed decimals - collateral decimals - collateral feed decimals).
    uint256 public immutable scale;

    constructor(
        IERC20Metadata collateralToken,
        AggregatorV3Interface collateralFeed_,
        IERC20Metadata loanToken,
        AggregatorV3Interface loanFeed_
    ) {
        collateralFeed = collateralFeed_;
        loanFeed = loanFeed_;
        uint256 up = 36 + uint256(loanToken.decimals()) + uint256(loanFeed_.decimals());
        uint256 down = uint256(collateralToken.decimals()) + uint256(collateralFeed_.decimals());
        if (down > up) revert NegativeExponent();
        scale = 10 ** (up - down);
    }

    /// @inheritdoc IOracle
    function price() external view returns (uint256) {
        return (scale * _answer(collateralFeed)) / _answer(loanFeed);
    }

    function _answer(AggregatorV3Interface feed) private view returns (uint256) {
        (, int256 answer, , , ) = feed.latestRoundData();
        if (answer <= 0) revert BadAnswer(address(feed), answer);
        return uint256(answer);
    }
}
