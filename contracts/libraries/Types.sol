// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Identifier of a vault: an isolated position with one owner. Ids start at 1.
type VaultId is uint256;

using {eqVaultId as ==} for VaultId global;

function eqVaultId(VaultId a, VaultId b) pure returns (bool) {
    return VaultId.unwrap(a) == VaultId.unwrap(b);
}

/// @notice Access-manager role ids shared by every Breakwater contract.
/// @dev ADMIN_ROLE (0) is OpenZeppelin AccessManager's built-in admin; give it an execution delay so
/// it acts through a timelock.
library Roles {
    uint64 internal constant ADMIN = 0;
    /// @notice Sets risk parameters within on-chain bounds.
    uint64 internal constant RISK_MANAGER = 1;
    /// @notice Can only pause and freeze.
    uint64 internal constant GUARDIAN = 2;
}
