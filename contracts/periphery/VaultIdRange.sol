// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVaultEngine} from "../interfaces/IVaultEngine.sol";

/// @title Vault-id ranges of the periphery's paged views
library VaultIdRange {
    /// @dev Ids [from, to] clamped to the vaults that exist, [1, vaultCount]: empty when first > last.
    function clamp(IVaultEngine engine, uint256 from, uint256 to) internal view returns (uint256 first, uint256 last) {
        last = engine.vaultCount();
        if (to < last) last = to;
        first = from == 0 ? 1 : from;
    }
}
