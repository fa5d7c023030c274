// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Chainlink-style feed whose `decimals` can change after it was configured (an aggregator
/// swapped behind a proxy). The oracle caches decimals at configuration time, so the answer is then
/// misread by powers of ten; the price bounds must catch that.
contract MutableDecimalsFeed {
    uint8 public decimals;
    int256 public answer;
    uint256 public updatedAt;

    constructor(uint8 decimals_, int256 answer_) {
        decimals = decimals_;
        answer = answer_;
        updatedAt = block.timestamp;
    }

    /// @notice New decimals and answer, timestamped now.
    function set(uint8 decimals_, int256 answer_) external {
        decimals = decimals_;
        answer = answer_;
        updatedAt = block.timestamp;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (1, answer, updatedAt, updatedAt, 1);
    }
}
