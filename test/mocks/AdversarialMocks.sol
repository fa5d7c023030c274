// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Uniswap V2 pair stand-in that only reports tokens and fixed reserves, so quoting code
/// (FlashTakeRouter.quoteSale) can be probed with extreme amounts. `swap` does nothing.
contract MockReservesPair {
    address public immutable token0;
    address public immutable token1;
    uint112 private immutable _reserve0;
    uint112 private immutable _reserve1;

    constructor(address token0_, address token1_, uint112 reserve0_, uint112 reserve1_) {
        token0 = token0_;
        token1 = token1_;
        _reserve0 = reserve0_;
        _reserve1 = reserve1_;
    }

    function getReserves() external view returns (uint112, uint112, uint32) {
        return (_reserve0, _reserve1, uint32(block.timestamp));
    }

    function swap(uint256, uint256, address, bytes calldata) external {}
}
