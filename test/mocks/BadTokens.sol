// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @notice Test-only ERC-20 whose `transfer` / `transferFrom` can be switched to return `false`
/// without moving any tokens (the pre-SafeERC20 failure mode of some old tokens).
contract ReturnsFalseToken is MockERC20 {
    bool public failTransfer;
    bool public failTransferFrom;

    constructor() MockERC20("Returns false", "FALSE", 18) {}

    function setFailures(bool transfer_, bool transferFrom_) external {
        failTransfer = transfer_;
        failTransferFrom = transferFrom_;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (failTransfer) return false;
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (failTransferFrom) return false;
        return super.transferFrom(from, to, value);
    }
}

/// @notice Test-only ERC-20 whose `transfer` / `transferFrom` can be switched to revert with a
/// custom error (a paused or blocklisting token).
contract RevertingToken is MockERC20 {
    error TransferBlocked(address from, address to, uint256 value);

    bool public revertTransfer;
    bool public revertTransferFrom;

    constructor() MockERC20("Reverting", "REV", 18) {}

    function setReverts(bool transfer_, bool transferFrom_) external {
        revertTransfer = transfer_;
        revertTransferFrom = transferFrom_;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (revertTransfer) revert TransferBlocked(msg.sender, to, value);
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (revertTransferFrom) revert TransferBlocked(from, to, value);
        return super.transferFrom(from, to, value);
    }
}

/// @notice Test-only ERC-20 that, once armed, calls `reentryTarget` with arbitrary calldata from inside its
/// `transfer` / `transferFrom` (before moving tokens), bubbling up any revert of that call. Used
/// to re-enter the vault engine from a token hook. The hook fires once per arming.
contract ReentrantToken is MockERC20 {
    address public reentryTarget;
    bytes public reentryData;
    /// @notice Number of re-entrant calls that succeeded (stays 0 when the target blocks them).
    uint256 public reentries;

    constructor() MockERC20("Reentrant", "REENT", 18) {}

    function arm(address target_, bytes calldata data) external {
        reentryTarget = target_;
        reentryData = data;
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
        address t = reentryTarget;
        if (t == address(0)) return;
        bytes memory data = reentryData;
        // Disarm first so an unguarded target cannot recurse for ever.
        reentryTarget = address(0);
        delete reentryData;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = t.call(data);
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        ++reentries;
    }
}
