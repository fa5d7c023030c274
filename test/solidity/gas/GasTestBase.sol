// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BreakerSystemBase} from "../utils/BreakerSystemBase.sol";

/// @notice Gas snapshot cheatcodes (served by EDR), kept here rather than in the shared Vm.sol.
interface IVmGasSnapshots {
    function snapshotGasLastCall(string calldata group, string calldata name) external returns (uint256 gasUsed);
}

/// @notice What the gas snapshot tests (EngineGas.t.sol, LiquidationGas.t.sol) share: the snapshot
/// cheatcodes, the warming and the measured user, one block per set-up step, and funded accounts.
/// Nothing here is called in a measured call; it only serves their set-up.
abstract contract GasTestBase is BreakerSystemBase {
    IVmGasSnapshots internal constant GAS_VM = IVmGasSnapshots(address(vm));

    uint256 internal constant BLOCK_TIME = 12;

    address internal constant WARM = address(0xA11CE);
    address internal constant USER = address(0xB0B);

    function _next() internal {
        skip(BLOCK_TIME);
    }

    /// @dev Mints every token to `who` and approves the engine and the pool (and, with
    /// `approveAuctionHouse`, the auction house) for the base asset, the engine for the collaterals.
    function _fund(address who, bool approveAuctionHouse) internal {
        usdc.mint(who, 5_000_000e6);
        weth.mint(who, 10_000e18);
        wbtc.mint(who, 1_000e8);
        link.mint(who, 1_000_000e18);
        vm.startPrank(who);
        usdc.approve(address(engine), type(uint256).max);
        usdc.approve(address(pool), type(uint256).max);
        if (approveAuctionHouse) usdc.approve(address(auctionHouse), type(uint256).max);
        weth.approve(address(engine), type(uint256).max);
        wbtc.approve(address(engine), type(uint256).max);
        link.approve(address(engine), type(uint256).max);
        vm.stopPrank();
    }
}
