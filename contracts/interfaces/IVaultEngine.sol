// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultId} from "../libraries/Types.sol";
import {IBreakwaterOracle} from "./IBreakwaterOracle.sol";
import {ILendingPool} from "./ILendingPool.sol";

/// @title Breakwater vault engine
/// @notice Vaults hold several collateral assets (cross-margined inside the vault, isolated from
/// other vaults) and one debt in the pool's base asset.
///
/// Haircuts [wad]: for every collateral, `haircut = base + volatilityAddOn + sizeAddOn`, where
/// - base is `initialHaircut` (borrowing power) or `maintenanceHaircut` (liquidation threshold);
/// - volatilityAddOn = min(volatilityCap, volatilityMultiplier * trackedVolatility);
/// - sizeAddOn = min(sizeCap, sizeMultiplier * positionValue / marketDepth).
/// Effective value = amount * price * (1 - haircut).
///
/// Health factor [wad] = sum(effective values under maintenance haircuts) / debt value.
/// Borrowing and withdrawing require the same ratio under initial haircuts to stay >= 1.
/// Debt rounds up and collateral value rounds down.
/// @dev Warning: parameters are bounded so that `initialHaircut + volatilityCap + 2 * sizeCap
/// <= MAX_TOTAL_HAIRCUT`, which keeps effective value non-decreasing in the amount held (more
/// collateral never lowers the health factor, even though the size add-on grows with it).
interface IVaultEngine {
    /// @notice Risk configuration of one collateral asset. All haircut fields [wad].
    /// @param enabled New deposits and borrowing power allowed (disabled assets still count
    ///        at zero value for borrowing but keep their maintenance value).
    /// @param decimals Token decimals, read once at listing.
    /// @param initialHaircut Haircut that sets the borrowing power (LTV = 1 - initialHaircut).
    /// @param maintenanceHaircut Smaller haircut that sets the liquidation threshold. It must be at
    ///        least MIN_HAIRCUT_GAP below the initial haircut: a vault borrowed to the limit must not
    ///        already be liquidatable (initial margin > maintenance margin, as in every margin system).
    /// @param volatilityMultiplier Add-on per unit of tracked volatility [wad].
    /// @param volatilityCap Cap on the volatility add-on [wad].
    /// @param sizeMultiplier Add-on per unit of position value / market depth [wad].
    /// @param sizeCap Cap on the size add-on [wad].
    /// @param marketDepth Value that can be sold with acceptable slippage [wad USD].
    /// @param debtCeiling Max debt attributed to this collateral [base units].
    struct CollateralConfig {
        bool enabled;
        uint8 decimals;
        uint64 initialHaircut;
        uint64 maintenanceHaircut;
        uint64 volatilityMultiplier;
        uint64 volatilityCap;
        uint64 sizeMultiplier;
        uint64 sizeCap;
        uint128 marketDepth;
        uint128 debtCeiling;
    }

    /// @notice One collateral of one vault, as returned by views.
    struct CollateralView {
        address asset;
        uint256 amount; // [token units]
        uint256 price; // [wad USD per whole token]
        uint256 value; // amount * price, rounded down [wad USD]
        uint256 initialHaircut; // effective, with add-ons [wad]
        uint256 maintenanceHaircut; // effective, with add-ons [wad]
        uint256 liquidationPrice; // price at which HF reaches 1, others fixed [wad]; 0 if none
    }

    /// @notice Everything a dashboard needs about one vault.
    struct VaultSummary {
        VaultId id;
        address owner;
        uint256 debt; // [base units, rounded up]
        uint256 debtValue; // [wad USD, rounded up]
        uint256 borrowingPower; // sum of initial-haircut values [wad USD]
        uint256 maintenanceValue; // sum of maintenance-haircut values [wad USD]
        uint256 healthFactor; // [wad]; type(uint256).max with no debt
        uint256 maxBorrow; // additional borrowable now [base units]
        bool marginShortfall; // HF < 1
        CollateralView[] collaterals;
    }

    // ------------------------------------------------------------------ errors
    error ZeroAddress();
    error ZeroAmount();
    error UnknownVault(VaultId id);
    error NotOwnerOrManager(VaultId id, address caller);
    error NotOwner(VaultId id, address caller);
    error CollateralNotEnabled(address asset);
    error CollateralAlreadyListed(address asset);
    error CollateralNotListed(address asset);
    error TooManyCollaterals(VaultId id, uint256 max);
    error InsufficientCollateral(VaultId id, address asset, uint256 requested, uint256 available);
    /// @notice The action would leave the vault below HF 1 under initial haircuts.
    /// @param healthFactor The vault's HF under initial haircuts after the action [wad].
    error Undercollateralised(VaultId id, uint256 healthFactor);
    /// @notice Remaining debt would be non-zero but below the minimum (dust).
    error DebtBelowMinimum(VaultId id, uint256 debt, uint256 minDebt);
    error DebtCeilingExceeded(address asset, uint256 debtAfter, uint256 ceiling);
    error NoDebt(VaultId id);
    /// @notice The token moved a different amount than requested (fee-on-transfer or rebasing).
    error TransferAmountMismatch(address asset, uint256 expected, uint256 received);
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 bound);
    error InvalidHaircuts(address asset, uint256 initialHaircut, uint256 maintenanceHaircut);
    error BaseAssetAsCollateral(address asset);

    // ------------------------------------------------------------------ events
    event VaultOpened(VaultId indexed id, address indexed owner);
    event ManagerSet(VaultId indexed id, address indexed manager, bool allowed);
    event VaultTransferred(VaultId indexed id, address indexed from, address indexed to);
    event CollateralDeposited(VaultId indexed id, address indexed asset, address indexed from, uint256 amount);
    event CollateralWithdrawn(VaultId indexed id, address indexed asset, address indexed to, uint256 amount);
    event Borrowed(VaultId indexed id, address indexed receiver, uint256 amount, uint256 scaledDebt);
    event Repaid(VaultId indexed id, address indexed payer, uint256 amount, uint256 scaledDebt);
    event CollateralListed(address indexed asset, CollateralConfig config);
    event CollateralConfigSet(address indexed asset, CollateralConfig config);
    event MinDebtSet(uint256 minDebt);
    event MaxCollateralsPerVaultSet(uint256 maxCollaterals);
    event OracleSet(address indexed oracle);

    // ------------------------------------------------------------------ vault actions
    /// @notice Opens an empty vault owned by `owner`.
    function openVault(address owner) external returns (VaultId id);

    /// @notice Owner only: lets `manager` act on the vault as the owner does (except managing managers).
    function setManager(VaultId id, address manager, bool allowed) external;

    /// @notice Owner only: transfers ownership; managers are kept (the new owner can revoke them).
    function transferVault(VaultId id, address newOwner) external;

    /// @notice Owner or manager: moves `amount` of `asset` from the caller into the vault.
    /// Fee-on-transfer tokens are rejected (balance-delta check).
    function deposit(VaultId id, address asset, uint256 amount) external;

    /// @notice Owner or manager: withdraws collateral to `receiver`; HF under initial haircuts must stay >= 1.
    function withdraw(VaultId id, address asset, uint256 amount, address receiver) external;

    /// @notice Owner or manager: borrows `amount` of base asset to `receiver`.
    function borrow(VaultId id, uint256 amount, address receiver) external;

    /// @notice Anyone: repays up to `amount` of the vault's debt from the caller
    /// (type(uint256).max repays everything). Never blocked by pauses or breakers.
    /// @return repaid Base asset taken from the caller.
    function repay(VaultId id, uint256 amount) external returns (uint256 repaid);

    // ------------------------------------------------------------------ views
    function ownerOf(VaultId id) external view returns (address);
    function isManager(VaultId id, address account) external view returns (bool);
    function vaultCount() external view returns (uint256);
    function collateralsOf(VaultId id) external view returns (address[] memory);
    function collateralAmount(VaultId id, address asset) external view returns (uint256);
    function scaledDebtOf(VaultId id) external view returns (uint256);
    /// @notice Debt including interest up to now, rounded up [base units].
    function debtOf(VaultId id) external view returns (uint256);
    /// @notice HF under maintenance haircuts [wad]; type(uint256).max with no debt. Reverts on oracle failure.
    function healthFactor(VaultId id) external view returns (uint256);
    /// @notice HF under initial haircuts [wad] (the borrow / withdraw check).
    function initialHealthFactor(VaultId id) external view returns (uint256);
    /// @notice True when HF under maintenance haircuts is below 1.
    function isMarginShortfall(VaultId id) external view returns (bool);
    /// @notice Additional base asset the vault may borrow now [base units], ignoring pool cash and ceilings.
    function maxBorrow(VaultId id) external view returns (uint256);
    /// @notice Price of `asset` at which the vault's HF reaches 1, other prices fixed [wad];
    /// 0 when no price of that asset alone can make the vault unhealthy.
    function liquidationPrice(VaultId id, address asset) external view returns (uint256);
    function vaultSummary(VaultId id) external view returns (VaultSummary memory);

    function collateralConfig(address asset) external view returns (CollateralConfig memory);
    function listedCollaterals() external view returns (address[] memory);
    /// @notice Debt attributed to `asset` across all vaults [base units, rounded up].
    function debtBackedBy(address asset) external view returns (uint256);
    function minDebt() external view returns (uint256);
    function maxCollateralsPerVault() external view returns (uint256);
    function pool() external view returns (ILendingPool);
    function oracle() external view returns (IBreakwaterOracle);
    function baseAsset() external view returns (address);

    // ------------------------------------------------------------------ governance
    /// @notice Lists a new collateral asset (bounded config). Restricted.
    function listCollateral(address asset, CollateralConfig calldata config) external;
    /// @notice Updates an asset's risk config (bounded; decimals are kept). Restricted.
    function setCollateralConfig(address asset, CollateralConfig calldata config) external;
    function setMinDebt(uint256 minDebt_) external;
    function setMaxCollateralsPerVault(uint256 max) external;
    function setOracle(IBreakwaterOracle oracle_) external;
}
