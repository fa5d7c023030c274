// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVaultEngine} from "../interfaces/IVaultEngine.sol";
import {IAuctionHouse} from "../interfaces/IAuctionHouse.sol";
import {VaultId} from "../libraries/Types.sol";
import {VaultIdRange} from "./VaultIdRange.sol";

/// @title Liquidation scanner: one view call that returns the liquidation state of a range of vaults
/// @notice For keepers and risk tooling (the cascade lab's keeper agents use it every block): instead of
/// one health-factor call per vault, `scan` walks a range of vault ids and returns, for every vault
/// with debt whose health factor is below a threshold, its health factor, margin-call time and blocking
/// auction. `healthFactors` returns the health factor of every vault in a range.
/// @dev View only, no state. A vault whose health factor cannot be computed (an unusable oracle price)
/// is reported with `priced = false` by `scan` and as `type(uint256).max - 1` by `healthFactors`;
/// a vault without debt reads `type(uint256).max`, as in the engine.
contract LiquidationScanner {
    /// @notice Liquidation state of one vault.
    struct VaultState {
        uint256 id;
        uint256 healthFactor; // [wad], 0 when not priced
        uint256 marginCallAt; // [s], 0 = not flagged
        uint256 blockingAuction; // 0 = none
        uint256 openAuctions;
        uint256 debt; // [base units]
        bool priced; // false when the health factor reverted (oracle failure)
    }

    /// @notice An auction as a taker sees it at a given time.
    struct AuctionQuote {
        uint256 auctionId;
        bool active;
        uint256 lot; // [token units]
        uint256 tab; // [base units]
        uint256 top; // [wad base per token]
        uint256 startedAt; // [s]
        uint256 price; // curve price at `at` [wad base per token]
        bool needsReset; // at `at`: past the maximum duration or below the reset price
    }

    /// @notice Health factor reported by `healthFactors` for a vault whose price is unusable.
    uint256 public constant UNPRICED = type(uint256).max - 1;

    IVaultEngine public immutable engine;
    IAuctionHouse public immutable auctionHouse;

    constructor(IVaultEngine engine_, IAuctionHouse auctionHouse_) {
        engine = engine_;
        auctionHouse = auctionHouse_;
    }

    /// @notice Vaults in ids [from, to] (clamped to the vault count) with debt and a health factor below
    /// `maxHealthFactor` [wad], or whose health factor cannot be computed.
    function scan(uint256 from, uint256 to, uint256 maxHealthFactor) external view returns (VaultState[] memory found) {
        (uint256 first, uint256 last) = VaultIdRange.clamp(engine, from, to);
        if (first > last) return found;
        VaultState[] memory scratch = new VaultState[](last - first + 1);
        uint256 n;
        for (uint256 id = first; id <= last; ++id) {
            (bool include, VaultState memory s) = _state(id, maxHealthFactor);
            if (include) scratch[n++] = s;
        }
        found = _trim(scratch, n);
    }

    /// @notice As `scan`, for the listed vault ids only (ids above the vault count are skipped).
    function scanIds(
        uint256[] calldata ids,
        uint256 maxHealthFactor
    ) external view returns (VaultState[] memory found) {
        uint256 count = engine.vaultCount();
        VaultState[] memory scratch = new VaultState[](ids.length);
        uint256 n;
        for (uint256 i; i < ids.length; ++i) {
            if (ids[i] == 0 || ids[i] > count) continue;
            (bool include, VaultState memory s) = _state(ids[i], maxHealthFactor);
            if (include) scratch[n++] = s;
        }
        found = _trim(scratch, n);
    }

    function _state(uint256 id, uint256 maxHealthFactor) internal view returns (bool include, VaultState memory s) {
        VaultId v = VaultId.wrap(id);
        uint256 debt = engine.debtOf(v);
        if (debt == 0) return (false, s);
        try engine.healthFactor(v) returns (uint256 hf) {
            if (hf >= maxHealthFactor) return (false, s);
            s.healthFactor = hf;
            s.priced = true;
        } catch {}
        s.id = id;
        s.debt = debt;
        s.marginCallAt = engine.marginCallOf(v);
        s.blockingAuction = auctionHouse.blockingAuctionOf(v);
        s.openAuctions = engine.openAuctionsOf(v);
        include = true;
    }

    function _trim(VaultState[] memory scratch, uint256 n) internal pure returns (VaultState[] memory found) {
        found = new VaultState[](n);
        for (uint256 i; i < n; ++i) found[i] = scratch[i];
    }

    /// @notice Status of each listed auction with its curve price at time `at` [s] (e.g. the next block's
    /// timestamp, where a take would execute); one call instead of a status and a curve call each.
    function quoteAuctions(uint256[] calldata ids, uint256 at) external view returns (AuctionQuote[] memory q) {
        q = new AuctionQuote[](ids.length);
        for (uint256 i; i < ids.length; ++i) {
            IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(ids[i]);
            AuctionQuote memory x = q[i];
            x.auctionId = ids[i];
            x.active = s.active;
            if (!s.active) continue;
            x.lot = s.lot;
            x.tab = s.tab;
            x.top = s.top;
            x.startedAt = s.startedAt;
            IAuctionHouse.CollateralAuctionConfig memory cfg = auctionHouse.collateralAuctionConfig(s.asset);
            uint256 age = at > s.startedAt ? at - s.startedAt : 0;
            x.price = cfg.curve.price(s.top, age);
            // As the auction house decides it (`_needsReset`).
            x.needsReset = age > cfg.maxDuration || x.price < (s.top * cfg.resetPriceRatio) / 1e18;
        }
    }

    /// @notice Health factor [wad] of every vault in ids [from, to] (clamped to the vault count).
    function healthFactors(uint256 from, uint256 to) external view returns (uint256[] memory hfs) {
        (uint256 first, uint256 last) = VaultIdRange.clamp(engine, from, to);
        if (first > last) return hfs;
        hfs = new uint256[](last - first + 1);
        for (uint256 id = first; id <= last; ++id) {
            try engine.healthFactor(VaultId.wrap(id)) returns (uint256 hf) {
                hfs[id - first] = hf;
            } catch {
                hfs[id - first] = UNPRICED;
            }
        }
    }
}
