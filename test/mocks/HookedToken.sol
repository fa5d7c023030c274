// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockERC20} from "./MockERC20.sol";

/// @notice Test-only collateral with a transfer hook (an ERC-777-like token): once armed, its next
/// `transfer` or `transferFrom` first calls `hookTarget` with `hookData` as the token itself, then moves the
/// tokens. The hook bubbles a revert of that call up, so a guard that stops the re-entry makes the outer
/// call revert with the guard's own error. The token can also act on its own account (own a vault,
/// approve the base asset), so that only a re-entrancy guard, never a permission check, can stop it.
contract HookedToken is MockERC20 {
    address public hookTarget;
    bytes public hookData;
    /// @notice Re-entrant calls that went through (0 when the target stopped them).
    uint256 public reentries;

    constructor(uint8 decimals_) MockERC20("Hooked", "HOOK", decimals_) {}

    /// @notice Arms the hook for the next transfer or transferFrom (one shot).
    function arm(address target_, bytes calldata data_) external {
        hookTarget = target_;
        hookData = data_;
    }

    /// @notice Calls `to` with `callData` as this token (for setting up its own positions).
    function act(address to, bytes calldata callData) external returns (bytes memory ret) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, ret) = to.call(callData);
        if (!ok) _bubble(ret);
    }

    /// @notice Approves `spender` for `amount` of `token` held by this contract.
    function approveToken(IERC20 token, address spender, uint256 amount) external {
        token.approve(spender, amount);
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        _hook();
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _hook();
        return super.transferFrom(from, to, value);
    }

    function _hook() private {
        address t = hookTarget;
        if (t == address(0)) return;
        bytes memory d = hookData;
        hookTarget = address(0);
        delete hookData;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = t.call(d);
        if (!ok) _bubble(ret);
        ++reentries;
    }

    function _bubble(bytes memory ret) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            revert(add(ret, 32), mload(ret))
        }
    }
}
