// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IVaultEngine} from "../interfaces/IVaultEngine.sol";
import {ILendingPool} from "../interfaces/ILendingPool.sol";
import {IBreakwaterOracle} from "../interfaces/IBreakwaterOracle.sol";
import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";
import {ICircuitBreaker, Action} from "../interfaces/ICircuitBreaker.sol";
import {VaultId} from "../libraries/Types.sol";
import {RiskMath} from "../libraries/RiskMath.sol";

/// @title Breakwater vault engine
/// @notice Holds vaults (collateral and scaled debt) and enforces the haircut and health rules.
/// The lending pool holds the base asset and the global debt ledger; this engine is its only borrower.
contract VaultEngine is IVaultEngine, AccessManaged, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    // ------------------------------------------------------------------ bounds (hard, in code)
    uint256 public constant WAD = 1e18;
    /// @notice Upper bound of base + volatility cap + 2 * size cap, for either haircut [wad].
    uint256 public constant MAX_TOTAL_HAIRCUT = 0.95e18;
    /// @notice Smallest maintenance haircut [wad].
    uint256 public constant MIN_MAINTENANCE_HAIRCUT = 0.01e18;
    /// @notice Smallest gap between initial and maintenance haircut [wad].
    uint256 public constant MIN_HAIRCUT_GAP = 0.01e18;
    /// @notice Largest volatility multiplier [wad].
    uint256 public constant MAX_VOLATILITY_MULTIPLIER = 10e18;
    /// @notice Largest size multiplier [wad].
    uint256 public constant MAX_SIZE_MULTIPLIER = 10e18;
    /// @notice Smallest configurable market depth [usd].
    uint256 public constant MIN_MARKET_DEPTH = 1e18;
    uint256 public constant MAX_COLLATERALS_PER_VAULT = 16;
    /// @notice Largest minimum debt; also caps what governance can do to small borrowers [base units].
    uint256 public immutable MAX_MIN_DEBT;

    // ------------------------------------------------------------------ immutables
    ILendingPool public immutable pool;
    address public immutable baseAsset;
    uint256 internal immutable BASE_UNIT;

    // ------------------------------------------------------------------ storage
    /// @dev A vault's debt is not stored as such: while it holds collateral, its scaled debt is the sum
    /// of its positions' attributions (kept exact by every debt change), so a borrow writes only the
    /// position slots it reads for the health check anyway, and a first deposit needs no fresh vault slot.
    struct Vault {
        address owner;
        uint40 flaggedAt; // margin call start [s]; 0 when not flagged
        uint16 openAuctions; // at most one per listed asset (<= MAX_LISTED)
        /// @dev Entries 0..HEAD_IDS-1 of the collateral list as one-byte asset ids (entry i in byte i,
        /// contiguous, 0 = none), in the owner's slot that every vault action reads.
        uint40 headIds;
        /// @dev Scaled debt of a vault whose collateral list is empty (all of it seized into auctions),
        /// which no position can carry; 0 whenever the list is not empty [scaled base units].
        uint128 unattributedScaledDebt;
        /// @dev Entries HEAD_IDS..PACKED_IDS-1 of the list; further entries live in `_collateralOverflow`.
        uint128 tailIds;
    }

    /// @dev What the health loop needs of a listed asset, keyed by its one-byte id, in three slots (its
    /// address included). A copy of `_configs` (minus the ceiling), written with it by governance.
    struct HotConfig {
        address asset;
        bool enabled;
        uint8 decimals;
        uint64 initialHaircut;
        uint64 maintenanceHaircut;
        uint64 volatilityMultiplier;
        uint64 volatilityCap;
        uint64 sizeMultiplier;
        uint64 sizeCap;
        uint128 marketDepth;
    }

    /// @dev An asset's one-byte id (1-based position in `_listed`; 0 = not listed) and its enabled flag,
    /// in one slot so a deposit reads both with one SLOAD, then its full config.
    struct ListedCollateral {
        uint8 id;
        bool enabled; // copy of config.enabled, written with it
        CollateralConfig config;
    }

    /// @dev Per-asset debt ceiling bookkeeping in one slot: what a borrow that grows an attribution reads
    /// and writes together.
    struct DebtBacking {
        uint128 scaledDebt; // scaled debt attributed to the asset across all vaults [scaled base units]
        uint128 ceiling; // copy of config.debtCeiling [base units], written with it
    }

    /// @dev Engine settings that vault actions read, in one slot: the breaker (deposits, borrows and
    /// withdrawals), the per-vault collateral cap (deposits) and the minimum debt (borrows and repays).
    struct Settings {
        ICircuitBreaker circuitBreaker; // address(0) until wired (then no checks)
        uint8 maxCollateralsPerVault;
        uint88 minDebt; // [base units], <= MAX_MIN_DEBT
    }

    /// @dev List entries packed into `Vault.headIds`, and into `headIds` and `tailIds` together.
    uint256 internal constant HEAD_IDS = 5;
    uint256 internal constant PACKED_IDS = 21;
    /// @dev One-byte asset ids: at most 255 listed collaterals.
    uint256 internal constant MAX_LISTED = 255;

    /// @dev One slot: the amount held and the share of the vault's scaled debt attributed to it
    /// (for the per-collateral debt ceiling).
    struct Position {
        uint128 amount; // [token units]
        uint128 scaledDebtAttributed; // [scaled base units]
    }

    IBreakwaterOracle public oracle;
    address public auctionHouse;
    /// @dev Set by the auction house around an untrusted flash-take callback.
    bool private transient _callbackLocked;
    Settings internal _settings;
    uint256 public vaultCount;

    mapping(VaultId => Vault) internal _vaults;
    /// @dev Collateral list entries from index PACKED_IDS on (only returns from auctions, which skip the
    /// per-vault cap, can get a list there).
    mapping(VaultId => address[]) internal _collateralOverflow;
    mapping(VaultId => mapping(address asset => Position)) internal _positions;
    mapping(VaultId => mapping(address account => bool)) internal _managers;

    mapping(address asset => ListedCollateral) internal _configs;
    mapping(uint256 assetId => HotConfig) internal _hot;
    mapping(address asset => DebtBacking) internal _backing;
    address[] internal _listed;

    constructor(
        address accessManager,
        ILendingPool pool_,
        IBreakwaterOracle oracle_,
        uint256 minDebt_,
        uint256 maxCollateralsPerVault_
    ) AccessManaged(accessManager) {
        if (address(pool_) == address(0) || address(oracle_) == address(0)) revert ZeroAddress();
        pool = pool_;
        baseAsset = pool_.asset();
        BASE_UNIT = 10 ** IERC20Metadata(baseAsset).decimals();
        // At most 1,000,000 whole base tokens of minimum debt (and what the packed setting holds).
        uint256 maxMinDebt = 1_000_000 * BASE_UNIT;
        MAX_MIN_DEBT = maxMinDebt < type(uint88).max ? maxMinDebt : type(uint88).max;
        oracle = oracle_;
        emit OracleSet(address(oracle_));
        _setMinDebt(minDebt_);
        _setMaxCollateralsPerVault(maxCollateralsPerVault_);
    }

    // ------------------------------------------------------------------ modifiers
    /// @dev Reentrancy guard plus a lock held while the auction house runs a flash-take callback, so
    /// the callback cannot re-enter the protocol through any engine entry point.
    /// @dev Modifiers call functions (rather than inlining their checks) to keep the engine under the
    /// contract size limit.
    modifier guarded() {
        _checkNotLocked();
        _;
    }

    /// @dev The engine never calls the auction house, so an auction-house hook that arrives while an
    /// engine entry point runs was re-entered from a token's transfer hook: refuse it.
    modifier onlyAuctionHouse() {
        _checkAuctionHouse();
        _;
    }

    function _checkNotLocked() internal view {
        if (_callbackLocked) revert CallbackInProgress();
    }

    function _checkAuctionHouse() internal view {
        if (msg.sender != auctionHouse) revert OnlyAuctionHouse(msg.sender);
        if (_reentrancyGuardEntered()) revert ReentrancyGuardReentrantCall();
    }
    modifier onlyOwnerOrManager(VaultId id) {
        _checkOwnerOrManager(id);
        _;
    }

    function _checkOwnerOrManager(VaultId id) internal view {
        address owner = _vaults[id].owner;
        if (owner == address(0)) revert UnknownVault(id);
        if (msg.sender != owner && !_managers[id][msg.sender]) revert NotOwnerOrManager(id, msg.sender);
    }

    function _checkOwner(VaultId id) internal view {
        address owner = _vaults[id].owner;
        if (owner == address(0)) revert UnknownVault(id);
        if (msg.sender != owner) revert NotOwner(id, msg.sender);
    }

    // ------------------------------------------------------------------ vault actions

    /// @inheritdoc IVaultEngine
    function openVault(address owner) external nonReentrant guarded returns (VaultId id) {
        if (owner == address(0)) revert ZeroAddress();
        id = VaultId.wrap(++vaultCount);
        _vaults[id].owner = owner;
        emit VaultOpened(id, owner);
    }

    /// @inheritdoc IVaultEngine
    function setManager(VaultId id, address manager, bool allowed) external nonReentrant guarded {
        _checkOwner(id);
        if (manager == address(0)) revert ZeroAddress();
        _managers[id][manager] = allowed;
        emit ManagerSet(id, manager, allowed);
    }

    /// @inheritdoc IVaultEngine
    function transferVault(VaultId id, address newOwner) external nonReentrant guarded {
        _checkOwner(id);
        if (newOwner == address(0)) revert ZeroAddress();
        _vaults[id].owner = newOwner;
        emit VaultTransferred(id, msg.sender, newOwner);
    }

    /// @inheritdoc IVaultEngine
    function deposit(VaultId id, address asset, uint256 amount) external nonReentrant guarded onlyOwnerOrManager(id) {
        if (amount == 0) revert ZeroAmount();
        ListedCollateral storage listed = _configs[asset];
        if (!listed.enabled) revert CollateralNotEnabled(asset);
        // Adding collateral to a vault with debt only reduces risk: no pause or freeze applies to it.
        Settings storage settings = _settings;
        ICircuitBreaker breaker = settings.circuitBreaker;
        Position storage position = _positions[id][asset];
        uint256 held = position.amount;
        uint256 ids = _loadIds(_vaults[id]);
        uint256 n = _listLength(id, ids);
        if (address(breaker) != address(0)) {
            // A vault holding only this asset carries all its debt on this position.
            bool hasDebt =
                held != 0 && n == 1 ? position.scaledDebtAttributed != 0 : _scaledDebt(id, ids, n, true) != 0;
            if (!hasDebt) breaker.checkDeposit(asset);
        }
        if (held == 0) {
            if (n >= settings.maxCollateralsPerVault) revert TooManyCollaterals(id, settings.maxCollateralsPerVault);
            _addToList(id, asset, n);
        }
        // Cast the amount first: `held + amount` must not overflow before the 128-bit check.
        position.amount = (held + amount.toUint128()).toUint128();
        emit CollateralDeposited(id, asset, msg.sender, amount);

        // Balance-delta check rejects fee-on-transfer and other tokens that move less than asked.
        uint256 before = IERC20(asset).balanceOf(address(this));
        IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(asset).balanceOf(address(this)) - before;
        if (received != amount) revert TransferAmountMismatch(asset, amount, received);
        if (_vaults[id].flaggedAt != 0) _tryCure(id);
    }

    /// @inheritdoc IVaultEngine
    function withdraw(
        VaultId id,
        address asset,
        uint256 amount,
        address receiver
    ) external nonReentrant guarded onlyOwnerOrManager(id) {
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        Position storage position = _positions[id][asset];
        uint256 held = position.amount;
        if (amount > held) revert InsufficientCollateral(id, asset, amount, held);
        ICircuitBreaker breaker = _settings.circuitBreaker;
        if (address(breaker) != address(0)) breaker.checkAction(Action.Withdraw);

        uint256 ids = _loadIds(_vaults[id]);
        bool hasDebt = _scaledDebt(id, ids, _listLength(id, ids), true) != 0;
        position.amount = uint128(held - amount);
        // An emptied position leaves the list: its attribution goes to the remaining collaterals.
        uint256 leaving;
        if (held == amount) {
            leaving = position.scaledDebtAttributed;
            _removeFromList(id, asset);
            _moveAttribution(id, asset, false);
        }

        if (hasDebt) {
            uint256 index = pool.accrueInterest();
            (HealthBreakdown memory health, uint256 scaledDebt) = _health(id, leaving, index, breaker);
            _requireInitialHealth(id, health);
            _attributeDebt(id, health, scaledDebt, index);
        }
        emit CollateralWithdrawn(id, asset, receiver, amount);
        IERC20(asset).safeTransfer(receiver, amount);
    }

    /// @inheritdoc IVaultEngine
    function borrow(VaultId id, uint256 amount, address receiver) external nonReentrant guarded onlyOwnerOrManager(id) {
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        Settings storage settings = _settings;
        ICircuitBreaker breaker = settings.circuitBreaker;
        if (address(breaker) != address(0)) breaker.checkAction(Action.Borrow);

        uint256 index = pool.accrueInterest();
        uint256 scaledAdded = RiskMath.toScaledUp(amount, index);
        // The casts bound the sum `_health` forms and every attribution `_attributeDebt` writes below.
        (HealthBreakdown memory health, uint256 scaledDebt) = _health(id, scaledAdded.toUint128(), index, breaker);
        scaledDebt.toUint128();
        if (health.debt < settings.minDebt) revert DebtBelowMinimum(id, health.debt, settings.minDebt);
        _requireInitialHealth(id, health);
        _attributeDebt(id, health, scaledDebt, index);

        emit Borrowed(id, receiver, amount, scaledAdded);
        uint256 scaledByPool = pool.borrow(amount, receiver);
        // The pool rounds the same way at the same index; a mismatch would break the ledger.
        assert(scaledByPool == scaledAdded);
    }

    /// @inheritdoc IVaultEngine
    function repay(VaultId id, uint256 amount) external nonReentrant guarded returns (uint256 repaid) {
        if (amount == 0) revert ZeroAmount();
        Vault storage vault = _vaults[id];
        if (vault.owner == address(0)) revert UnknownVault(id);
        uint256 scaledDebt = _vaultScaledDebt(id);
        if (scaledDebt == 0) revert NoDebt(id);

        uint256 index = pool.accrueInterest();
        uint256 debt = RiskMath.toDebtUp(scaledDebt, index);
        uint256 scaledRepaid;
        if (amount >= debt) {
            // Repaying everything (type(uint256).max included) clears the scaled debt exactly.
            repaid = debt;
            scaledRepaid = scaledDebt;
        } else {
            repaid = amount;
            scaledRepaid = RiskMath.toScaledDown(amount, index);
            uint256 remaining = RiskMath.toDebtUp(scaledDebt - scaledRepaid, index);
            uint256 minDebt_ = _settings.minDebt;
            if (remaining < minDebt_) revert DebtBelowMinimum(id, remaining, minDebt_);
        }

        _reduceAttributedDebt(id, scaledDebt, scaledRepaid);
        emit Repaid(id, msg.sender, repaid, scaledRepaid);

        IERC20(baseAsset).safeTransferFrom(msg.sender, address(pool), repaid);
        pool.repay(repaid, scaledRepaid, msg.sender);
        if (vault.flaggedAt != 0) _tryCure(id);
    }

    // ------------------------------------------------------------------ margin calls and bad debt

    /// @inheritdoc IVaultEngine
    function flagMarginCall(VaultId id) external nonReentrant guarded {
        Vault storage vault = _vaults[id];
        if (vault.owner == address(0)) revert UnknownVault(id);
        if (vault.flaggedAt != 0) revert AlreadyFlagged(id, vault.flaggedAt);
        uint256 hf = healthFactor(id);
        if (hf >= WAD) revert VaultHealthy(id, hf);
        vault.flaggedAt = uint40(block.timestamp);
        emit MarginCallFlagged(id, msg.sender, hf);
    }

    /// @inheritdoc IVaultEngine
    function clearMarginCall(VaultId id) external nonReentrant guarded {
        Vault storage vault = _vaults[id];
        if (vault.flaggedAt == 0) revert NotFlagged(id);
        uint256 hf = healthFactor(id);
        if (hf < WAD) revert VaultUnhealthy(id, hf);
        vault.flaggedAt = 0;
        emit MarginCallCleared(id, hf);
    }

    /// @dev Clears a margin call if the vault is healthy again. Never reverts: a risk-reducing action
    /// must not fail because a price is unavailable (anyone can clear the flag later).
    function _tryCure(VaultId id) internal {
        try this.healthFactor(id) returns (uint256 hf) {
            if (hf >= WAD) {
                _vaults[id].flaggedAt = 0;
                emit MarginCallCleared(id, hf);
            }
        } catch {}
    }

    /// @inheritdoc IVaultEngine
    function realiseBadDebt(VaultId id) external nonReentrant guarded returns (uint256 covered, uint256 socialised) {
        Vault storage vault = _vaults[id];
        if (vault.owner == address(0)) revert UnknownVault(id);
        uint256 ids = _loadIds(vault);
        uint256 collaterals = _listLength(id, ids);
        uint256 scaledDebt = _scaledDebt(id, ids, collaterals, false);
        if (collaterals != 0 || vault.openAuctions != 0 || scaledDebt == 0) {
            revert NotBadDebt(id, collaterals, vault.openAuctions, scaledDebt);
        }
        uint256 index = pool.accrueInterest();
        uint256 debt = RiskMath.toDebtUp(scaledDebt, index);
        vault.unattributedScaledDebt = 0;
        vault.flaggedAt = 0;

        // First loss: the insurance fund pays into the pool what it can.
        uint256 scaledCovered;
        address fund = pool.insuranceFund();
        if (fund != address(0)) {
            covered = IInsuranceFund(fund).pay(address(pool), debt, "bad-debt");
            if (covered != 0) {
                scaledCovered = covered == debt ? scaledDebt : RiskMath.toScaledDown(covered, index);
                pool.repay(covered, scaledCovered, fund);
            }
        }
        // The rest is written off: the fund's remaining pool shares absorb it first, then lenders.
        if (scaledDebt > scaledCovered) {
            (uint256 writtenOff, uint256 absorbed) = pool.socialiseBadDebt(scaledDebt - scaledCovered);
            covered += absorbed;
            socialised = writtenOff - absorbed;
        }
        emit BadDebtRealised(id, msg.sender, covered, socialised);
    }

    // ------------------------------------------------------------------ auction house hooks

    /// @inheritdoc IVaultEngine
    function seizeForAuction(
        VaultId id,
        address asset,
        uint256 collateral,
        uint256 scaledDebt
    ) external onlyAuctionHouse {
        Vault storage vault = _vaults[id];
        Position storage position = _positions[id][asset];
        uint256 held = position.amount;
        if (collateral > held) revert InsufficientCollateral(id, asset, collateral, held);
        uint256 vaultScaledDebt = _vaultScaledDebt(id);
        if (scaledDebt > vaultScaledDebt) revert SeizeExceedsDebt(id, scaledDebt, vaultScaledDebt);
        position.amount = uint128(held - collateral);
        _reduceAttributedDebt(id, vaultScaledDebt, scaledDebt);
        if (held == collateral) {
            _removeFromList(id, asset);
            _moveAttribution(id, asset, true);
        }
        vault.openAuctions += 1;
        emit SeizedForAuction(id, asset, collateral, scaledDebt);
    }

    /// @inheritdoc IVaultEngine
    function returnFromAuction(
        VaultId id,
        address asset,
        uint256 collateral,
        uint256 scaledDebt
    ) external onlyAuctionHouse {
        Vault storage vault = _vaults[id];
        if (vault.openAuctions == 0) revert NoOpenAuction(id);
        if (collateral != 0) {
            Position storage position = _positions[id][asset];
            uint256 held = position.amount;
            // No TooManyCollaterals check: a return must never fail.
            if (held == 0) _addToList(id, asset, _listLength(id, _loadIds(vault)));
            position.amount = (held + collateral.toUint128()).toUint128();
        }
        if (scaledDebt != 0) {
            // Attribute returned debt to the auctioned asset if still held, else to any collateral; a
            // vault without collateral keeps it unattributed. Checked 128-bit sums bound every write.
            uint128 added = scaledDebt.toUint128();
            address holder = _positions[id][asset].amount != 0 ? asset : _firstCollateral(id);
            if (holder != address(0)) {
                _positions[id][holder].scaledDebtAttributed += added;
                _backing[holder].scaledDebt += added;
            } else {
                vault.unattributedScaledDebt += added;
            }
        }
        vault.openAuctions -= 1;
        emit ReturnedFromAuction(id, asset, collateral, scaledDebt);
        if (vault.flaggedAt != 0) _tryCure(id);
    }

    /// @inheritdoc IVaultEngine
    function payOutCollateral(address asset, address to, uint256 amount) external onlyAuctionHouse {
        // The transfer may run the token's hooks: the engine's entry points stay locked meanwhile, as
        // during a flash-take callback.
        bool locked = _callbackLocked;
        _callbackLocked = true;
        IERC20(asset).safeTransfer(to, amount);
        _callbackLocked = locked;
    }

    /// @inheritdoc IVaultEngine
    function repayAuctionDebt(uint256 assets, uint256 scaledDebt, address payer) external onlyAuctionHouse {
        pool.repay(assets, scaledDebt, payer);
    }

    /// @inheritdoc IVaultEngine
    function setCallbackLock(bool locked) external onlyAuctionHouse {
        _callbackLocked = locked;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IVaultEngine
    function marginCallOf(VaultId id) external view returns (uint256) {
        return _vaults[id].flaggedAt;
    }

    /// @inheritdoc IVaultEngine
    function openAuctionsOf(VaultId id) external view returns (uint256) {
        return _vaults[id].openAuctions;
    }

    /// @inheritdoc IVaultEngine
    function ownerOf(VaultId id) external view returns (address) {
        return _vaults[id].owner;
    }

    /// @inheritdoc IVaultEngine
    function isManager(VaultId id, address account) external view returns (bool) {
        return _managers[id][account];
    }

    /// @inheritdoc IVaultEngine
    function collateralsOf(VaultId id) external view returns (address[] memory list) {
        uint256 ids = _loadIds(_vaults[id]);
        uint256 n = _listLength(id, ids);
        list = new address[](n);
        for (uint256 i; i < n; ++i) list[i] = _hot[_listIdAt(id, ids, i)].asset;
    }

    /// @inheritdoc IVaultEngine
    function collateralAmount(VaultId id, address asset) external view returns (uint256) {
        return _positions[id][asset].amount;
    }

    /// @notice Scaled debt attributed to `asset` inside vault `id` (debt-ceiling bookkeeping).
    function attributedScaledDebt(VaultId id, address asset) external view returns (uint256) {
        return _positions[id][asset].scaledDebtAttributed;
    }

    /// @inheritdoc IVaultEngine
    function scaledDebtOf(VaultId id) external view returns (uint256) {
        return _vaultScaledDebt(id);
    }

    /// @inheritdoc IVaultEngine
    function debtOf(VaultId id) external view returns (uint256) {
        return RiskMath.toDebtUp(_vaultScaledDebt(id), pool.currentBorrowIndex());
    }

    /// @inheritdoc IVaultEngine
    function healthFactor(VaultId id) public view returns (uint256) {
        (bool hasDebt, HealthBreakdown memory health) = _currentHealth(id, false, true);
        return hasDebt ? RiskMath.healthFactorDown(health.maintenanceValue, health.debtValue) : type(uint256).max;
    }

    /// @inheritdoc IVaultEngine
    function initialHealthFactor(VaultId id) external view returns (uint256) {
        (bool hasDebt, HealthBreakdown memory health) = _currentHealth(id, true, true);
        return hasDebt ? RiskMath.healthFactorDown(health.initialValue, health.debtValue) : type(uint256).max;
    }

    /// @inheritdoc IVaultEngine
    function healthBreakdown(VaultId id) external view returns (HealthBreakdown memory) {
        (, HealthBreakdown memory health) = _currentHealth(id, false, false);
        return health;
    }

    /// @inheritdoc IVaultEngine
    function maxBorrow(VaultId id) external view returns (uint256) {
        (, HealthBreakdown memory health) = _currentHealth(id, true, false);
        return _maxBorrow(health);
    }

    /// @inheritdoc IVaultEngine
    function circuitBreaker() external view returns (ICircuitBreaker) {
        return _settings.circuitBreaker;
    }

    /// @inheritdoc IVaultEngine
    function minDebt() external view returns (uint256) {
        return _settings.minDebt;
    }

    /// @inheritdoc IVaultEngine
    function maxCollateralsPerVault() external view returns (uint256) {
        return _settings.maxCollateralsPerVault;
    }

    /// @inheritdoc IVaultEngine
    function collateralConfig(address asset) external view returns (CollateralConfig memory) {
        return _configs[asset].config;
    }

    /// @inheritdoc IVaultEngine
    function listedCollaterals() external view returns (address[] memory) {
        return _listed;
    }

    /// @inheritdoc IVaultEngine
    function scaledDebtBackedBy(address asset) external view returns (uint256) {
        return _backing[asset].scaledDebt;
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IVaultEngine
    function listCollateral(address asset, CollateralConfig calldata config) external restricted {
        if (asset == address(0)) revert ZeroAddress();
        if (asset == baseAsset) revert BaseAssetAsCollateral(asset);
        if (_configs[asset].id != 0) revert CollateralAlreadyListed(asset);
        if (_listed.length >= MAX_LISTED)
            revert ParameterOutOfBounds("listedCollaterals", _listed.length + 1, MAX_LISTED);
        uint8 decimals = IERC20Metadata(asset).decimals();
        if (decimals > 36) revert ParameterOutOfBounds("decimals", decimals, 36);
        CollateralConfig memory stored = config;
        stored.decimals = decimals;
        _checkConfig(asset, stored);
        _listed.push(asset);
        _configs[asset].id = uint8(_listed.length); // <= MAX_LISTED = 255, checked above
        _storeConfig(asset, stored);
        emit CollateralListed(asset, stored);
    }

    /// @inheritdoc IVaultEngine
    function setCollateralConfig(address asset, CollateralConfig calldata config) external restricted {
        if (_configs[asset].id == 0) revert CollateralNotListed(asset);
        CollateralConfig memory stored = config;
        stored.decimals = _configs[asset].config.decimals; // decimals are read once, never set
        _checkConfig(asset, stored);
        _storeConfig(asset, stored);
        emit CollateralConfigSet(asset, stored);
    }

    /// @inheritdoc IVaultEngine
    function setMinDebt(uint256 minDebt_) external restricted {
        _setMinDebt(minDebt_);
    }

    /// @inheritdoc IVaultEngine
    function setMaxCollateralsPerVault(uint256 max) external restricted {
        _setMaxCollateralsPerVault(max);
    }

    /// @inheritdoc IVaultEngine
    function setOracle(IBreakwaterOracle oracle_) external restricted {
        if (address(oracle_) == address(0)) revert ZeroAddress();
        oracle = oracle_;
        emit OracleSet(address(oracle_));
    }

    /// @inheritdoc IVaultEngine
    function setAuctionHouse(address auctionHouse_) external restricted {
        if (auctionHouse_ == address(0)) revert ZeroAddress();
        if (auctionHouse != address(0)) revert AuctionHouseAlreadySet(auctionHouse);
        auctionHouse = auctionHouse_;
        emit AuctionHouseSet(auctionHouse_);
    }

    /// @inheritdoc IVaultEngine
    function setCircuitBreaker(ICircuitBreaker breaker) external restricted {
        if (address(breaker) == address(0)) revert ZeroAddress();
        ICircuitBreaker current = _settings.circuitBreaker;
        if (address(current) != address(0)) revert CircuitBreakerAlreadySet(address(current));
        _settings.circuitBreaker = breaker;
        emit CircuitBreakerSet(address(breaker));
    }

    /// @dev Writes an asset's config and its hot copy together (the only writer of either).
    function _storeConfig(address asset, CollateralConfig memory c) internal {
        ListedCollateral storage listed = _configs[asset];
        listed.config = c;
        listed.enabled = c.enabled;
        _backing[asset].ceiling = c.debtCeiling;
        _hot[listed.id] = HotConfig({
            asset: asset,
            enabled: c.enabled,
            decimals: c.decimals,
            initialHaircut: c.initialHaircut,
            maintenanceHaircut: c.maintenanceHaircut,
            volatilityMultiplier: c.volatilityMultiplier,
            volatilityCap: c.volatilityCap,
            sizeMultiplier: c.sizeMultiplier,
            sizeCap: c.sizeCap,
            marketDepth: c.marketDepth
        });
    }

    function _setMinDebt(uint256 minDebt_) internal {
        if (minDebt_ > MAX_MIN_DEBT) revert ParameterOutOfBounds("minDebt", minDebt_, MAX_MIN_DEBT);
        _settings.minDebt = uint88(minDebt_); // <= MAX_MIN_DEBT <= type(uint88).max
        emit MinDebtSet(minDebt_);
    }

    function _setMaxCollateralsPerVault(uint256 max) internal {
        if (max == 0 || max > MAX_COLLATERALS_PER_VAULT) {
            revert ParameterOutOfBounds("maxCollateralsPerVault", max, MAX_COLLATERALS_PER_VAULT);
        }
        _settings.maxCollateralsPerVault = uint8(max); // <= MAX_COLLATERALS_PER_VAULT
        emit MaxCollateralsPerVaultSet(max);
    }

    function _checkConfig(address asset, CollateralConfig memory c) internal pure {
        if (c.maintenanceHaircut < MIN_MAINTENANCE_HAIRCUT) {
            revert ParameterOutOfBounds("maintenanceHaircut", c.maintenanceHaircut, MIN_MAINTENANCE_HAIRCUT);
        }
        if (uint256(c.initialHaircut) < uint256(c.maintenanceHaircut) + MIN_HAIRCUT_GAP) {
            revert InvalidHaircuts(asset, c.initialHaircut, c.maintenanceHaircut);
        }
        // Keeps effective value non-decreasing in the amount held (see RiskMath.effectiveValueDown).
        uint256 worst = uint256(c.initialHaircut) + c.volatilityCap + 2 * uint256(c.sizeCap);
        if (worst > MAX_TOTAL_HAIRCUT) revert ParameterOutOfBounds("totalHaircut", worst, MAX_TOTAL_HAIRCUT);
        if (c.volatilityMultiplier > MAX_VOLATILITY_MULTIPLIER) {
            revert ParameterOutOfBounds("volatilityMultiplier", c.volatilityMultiplier, MAX_VOLATILITY_MULTIPLIER);
        }
        if (c.sizeMultiplier > MAX_SIZE_MULTIPLIER) {
            revert ParameterOutOfBounds("sizeMultiplier", c.sizeMultiplier, MAX_SIZE_MULTIPLIER);
        }
        if (c.marketDepth < MIN_MARKET_DEPTH) {
            revert ParameterOutOfBounds("marketDepth", c.marketDepth, MIN_MARKET_DEPTH);
        }
    }

    // ------------------------------------------------------------------ internal: health

    /// @param forRiskIncrease Apply the breakers' blocks to borrowing power (borrow and withdraw checks,
    /// and the views that predict them).
    /// @param onlyWithDebt Skip a vault without debt (`hasDebt` false, empty breakdown): it is healthy
    /// whatever the prices, even during an oracle outage, so no price is read for it.
    function _currentHealth(
        VaultId id,
        bool forRiskIncrease,
        bool onlyWithDebt
    ) internal view returns (bool hasDebt, HealthBreakdown memory health) {
        if (_vaults[id].owner == address(0)) revert UnknownVault(id);
        if (onlyWithDebt) {
            uint256 ids = _loadIds(_vaults[id]);
            if (_scaledDebt(id, ids, _listLength(id, ids), true) == 0) return (false, health);
        }
        uint256 scaledDebt;
        (health, scaledDebt) = _health(
            id,
            0,
            pool.currentBorrowIndex(),
            forRiskIncrease ? _settings.circuitBreaker : ICircuitBreaker(address(0))
        );
        hasDebt = scaledDebt != 0;
    }

    /// @dev Reads one oracle price per collateral plus the base asset's (skipped without debt). With
    /// `forRiskIncrease`, an asset that is frozen, tripped, in oracle-failure mode or priced below its trip
    /// price gives no borrowing power (`breaker` is the engine's breaker then, else address(0)). The
    /// vault's scaled debt is summed in the same loop, plus `scaledExtra` (a borrow's new debt, or the
    /// attribution of a position that just left the list).
    function _health(
        VaultId id,
        uint256 scaledExtra,
        uint256 index,
        ICircuitBreaker breaker
    ) internal view returns (HealthBreakdown memory health, uint256 scaledDebt) {
        IBreakwaterOracle oracle_ = oracle;
        uint256 ids = _loadIds(_vaults[id]);
        uint256 n = _listLength(id, ids);
        scaledDebt = n == 0 ? _vaults[id].unattributedScaledDebt + scaledExtra : scaledExtra;
        // The base price before the collaterals' (with any debt), so a failing feed reports the base asset.
        if (scaledDebt != 0 || _scaledDebt(id, ids, n, true) != 0) health.basePrice = oracle_.getPrice(baseAsset);
        health.assets = new AssetHealth[](n);
        for (uint256 i; i < n; ++i) {
            HotConfig memory c = _hot[_listIdAt(id, ids, i)];
            AssetHealth memory a = health.assets[i];
            a.asset = c.asset;
            scaledDebt += _loadPosition(a, _positions[id][c.asset]);
            uint256 volatility;
            (a.price, volatility) = oracle_.getPriceAndVolatility(c.asset);
            a.value = RiskMath.valueDown(a.amount, a.price, 10 ** c.decimals);
            uint256 volAddOn = RiskMath.volatilityAddOn(volatility, c.volatilityMultiplier, c.volatilityCap);
            a.volatilityAddOn = volAddOn;
            uint256 sizeAddOn = RiskMath.sizeAddOn(a.value, c.sizeMultiplier, c.sizeCap, c.marketDepth);
            a.initialHaircut = c.initialHaircut + volAddOn + sizeAddOn;
            a.maintenanceHaircut = c.maintenanceHaircut + volAddOn + sizeAddOn;
            a.maintenanceValue = RiskMath.effectiveValueDown(
                a.value,
                c.maintenanceHaircut + volAddOn,
                c.sizeMultiplier,
                c.sizeCap,
                c.marketDepth
            );
            // A disabled or breaker-blocked asset keeps its maintenance value but gives no new borrowing power.
            if (c.enabled && (address(breaker) == address(0) || !breaker.isRiskIncreaseBlockedAt(c.asset, a.price))) {
                a.initialValue = RiskMath.effectiveValueDown(
                    a.value,
                    c.initialHaircut + volAddOn,
                    c.sizeMultiplier,
                    c.sizeCap,
                    c.marketDepth
                );
            }
            health.initialValue += a.initialValue;
            health.maintenanceValue += a.maintenanceValue;
        }
        if (scaledDebt != 0) {
            health.debt = RiskMath.toDebtUp(scaledDebt, index);
            health.debtValue = RiskMath.debtValueUp(health.debt, health.basePrice, BASE_UNIT);
        }
    }

    /// @dev Sets `a.amount` from `position` and returns its attributed scaled debt (one SLOAD).
    function _loadPosition(AssetHealth memory a, Position storage position) private view returns (uint256) {
        a.amount = position.amount;
        return position.scaledDebtAttributed;
    }

    function _requireInitialHealth(VaultId id, HealthBreakdown memory health) internal pure {
        if (health.initialValue < health.debtValue) {
            revert Undercollateralised(id, RiskMath.healthFactorDown(health.initialValue, health.debtValue));
        }
    }

    function _maxBorrow(HealthBreakdown memory health) internal view returns (uint256) {
        if (health.initialValue <= health.debtValue) return 0;
        uint256 basePrice = health.basePrice;
        if (basePrice == 0) basePrice = oracle.getPrice(baseAsset);
        uint256 room = RiskMath.valueToBaseDown(health.initialValue - health.debtValue, basePrice, BASE_UNIT);
        // The borrow itself rounds its scaled debt up: keep one unit of margin.
        return room == 0 ? 0 : room - 1;
    }

    // ------------------------------------------------------------------ internal: debt attribution

    /// @dev Re-attributes the vault's whole scaled debt to its collaterals in proportion to their
    /// borrowing power, then checks every asset whose attribution grew against its debt ceiling.
    /// The last asset with borrowing power takes the rounding remainder, so attributions sum exactly
    /// to the vault's scaled debt. `index` is the borrow index accrued in this transaction.
    function _attributeDebt(VaultId id, HealthBreakdown memory health, uint256 scaledDebt, uint256 index) internal {
        uint256 n = health.assets.length;
        uint256 lastWithPower = type(uint256).max;
        for (uint256 i; i < n; ++i) {
            if (health.assets[i].initialValue != 0) lastWithPower = i;
        }
        // With no borrowing power the initial-health check has already reverted.
        uint256 assigned;
        for (uint256 i; i < n; ++i) {
            AssetHealth memory a = health.assets[i];
            uint256 share;
            if (i == lastWithPower) {
                share = scaledDebt - assigned;
            } else if (a.initialValue != 0) {
                share = (scaledDebt * a.initialValue) / health.initialValue;
            }
            assigned += share;
            Position storage position = _positions[id][a.asset];
            uint256 old = position.scaledDebtAttributed;
            if (share == old) continue;
            position.scaledDebtAttributed = uint128(share);
            DebtBacking storage backing = _backing[a.asset];
            // Below the pool's 128-bit total scaled debt, like every attribution.
            uint256 backed = backing.scaledDebt + share - old;
            backing.scaledDebt = uint128(backed);
            if (share > old) {
                uint256 backedDebt = RiskMath.toDebtUp(backed, index);
                if (backedDebt > backing.ceiling) revert DebtCeilingExceeded(a.asset, backedDebt, backing.ceiling);
            }
        }
    }

    /// @dev Lowers the vault's scaled debt from `scaledDebt` by `scaledRepaid`: every attribution pro
    /// rata, the first attributed asset absorbing the rounding remainder so the sum stays exact (or the
    /// unattributed debt of a vault without collateral).
    function _reduceAttributedDebt(VaultId id, uint256 scaledDebt, uint256 scaledRepaid) internal {
        if (scaledRepaid == 0) return;
        uint256 remaining = scaledDebt - scaledRepaid;
        Vault storage vault = _vaults[id];
        uint256 ids = _loadIds(vault);
        uint256 n = _listLength(id, ids);
        if (n == 0) {
            vault.unattributedScaledDebt = uint128(remaining);
            return;
        }
        uint256 kept;
        address firstAsset;
        for (uint256 i; i < n; ++i) {
            address asset = _hot[_listIdAt(id, ids, i)].asset;
            Position storage position = _positions[id][asset];
            uint256 old = position.scaledDebtAttributed;
            if (old == 0) continue;
            if (firstAsset == address(0)) firstAsset = asset;
            uint256 next = (old * remaining) / scaledDebt;
            position.scaledDebtAttributed = uint128(next);
            _backing[asset].scaledDebt -= uint128(old - next);
            kept += next;
        }
        if (firstAsset != address(0) && kept < remaining) {
            uint256 extra = remaining - kept;
            _positions[id][firstAsset].scaledDebtAttributed += uint128(extra);
            _backing[firstAsset].scaledDebt += uint128(extra);
        }
    }

    /// @dev Drops the attribution of an asset that left the vault. A withdrawal (`toHeir` false)
    /// re-attributes the whole debt itself; a seizure moves it onto the first remaining collateral
    /// (no ceiling check: a liquidation must never fail on a ceiling). With no collateral left the
    /// debt stays unattributed until collateral returns or it is realised as bad debt.
    function _moveAttribution(VaultId id, address asset, bool toHeir) internal {
        Position storage position = _positions[id][asset];
        uint128 old = position.scaledDebtAttributed;
        if (old == 0) return;
        position.scaledDebtAttributed = 0;
        _backing[asset].scaledDebt -= old;
        if (!toHeir) return;
        address heir = _firstCollateral(id);
        if (heir == address(0)) {
            _vaults[id].unattributedScaledDebt += old;
            return;
        }
        _positions[id][heir].scaledDebtAttributed += old;
        _backing[heir].scaledDebt += old;
    }

    /// @dev Adds `asset` to the vault's list, whose length is `n`. Debt left on a vault without collateral
    /// has no attribution (see _moveAttribution); the first collateral to arrive carries it again.
    function _addToList(VaultId id, address asset, uint256 n) internal {
        Vault storage vault = _vaults[id];
        if (n == 0) {
            uint128 orphaned = vault.unattributedScaledDebt;
            if (orphaned != 0) {
                vault.unattributedScaledDebt = 0;
                _positions[id][asset].scaledDebtAttributed += orphaned;
                _backing[asset].scaledDebt += orphaned;
            }
        }
        if (n < PACKED_IDS) {
            uint256 ids = _loadIds(vault);
            _storeIds(vault, ids, ids | (uint256(_configs[asset].id) << (8 * n)));
        } else {
            _collateralOverflow[id].push(asset);
        }
    }

    /// @dev Removes `asset` from the vault's list: the last entry takes its place (swap and pop).
    function _removeFromList(VaultId id, address asset) internal {
        Vault storage vault = _vaults[id];
        uint256 ids = _loadIds(vault);
        uint256 oldIds = ids;
        uint256 n = _listLength(id, ids);
        uint256 target = _configs[asset].id;
        uint256 i;
        while (
            i < n &&
            (i < PACKED_IDS ? (ids >> (8 * i)) & 0xff != target : _collateralOverflow[id][i - PACKED_IDS] != asset)
        ) {
            ++i;
        }
        if (i == n) return;
        uint256 last = n - 1;
        uint256 lastId;
        if (last < PACKED_IDS) {
            lastId = (ids >> (8 * last)) & 0xff;
            ids &= ~(uint256(0xff) << (8 * last));
        } else {
            address[] storage extra = _collateralOverflow[id];
            address lastAsset = extra[last - PACKED_IDS];
            extra.pop();
            if (i == last) return;
            if (i >= PACKED_IDS) {
                extra[i - PACKED_IDS] = lastAsset;
                return;
            }
            lastId = _configs[lastAsset].id;
        }
        if (i != last) ids = (ids & ~(uint256(0xff) << (8 * i))) | (lastId << (8 * i));
        _storeIds(vault, oldIds, ids);
    }

    /// @dev The list's first PACKED_IDS entries as one number (entry i in byte i); reads the second slot
    /// only when the head is full, so vaults with up to HEAD_IDS collaterals never touch it.
    function _loadIds(Vault storage vault) internal view returns (uint256 ids) {
        ids = vault.headIds;
        if (ids >> (8 * (HEAD_IDS - 1)) != 0) ids |= uint256(vault.tailIds) << (8 * HEAD_IDS);
    }

    /// @dev Writes `ids` back; the tail slot only if the old or the new list reaches it.
    function _storeIds(Vault storage vault, uint256 oldIds, uint256 ids) internal {
        vault.headIds = uint40(ids);
        if ((oldIds | ids) >> (8 * HEAD_IDS) != 0) vault.tailIds = uint128(ids >> (8 * HEAD_IDS));
    }

    /// @dev The vault's scaled debt: its positions' attributions, or its unattributed debt when its
    /// list (packed ids `ids`, length `n`) is empty. With `any`, stops at the first non-zero term (a
    /// non-zero result then only says the vault has debt).
    function _scaledDebt(VaultId id, uint256 ids, uint256 n, bool any) internal view returns (uint256 total) {
        if (n == 0) return _vaults[id].unattributedScaledDebt;
        for (uint256 i; i < n && !(any && total != 0); ++i) {
            total += _positions[id][_hot[_listIdAt(id, ids, i)].asset].scaledDebtAttributed;
        }
    }

    function _vaultScaledDebt(VaultId id) internal view returns (uint256) {
        uint256 ids = _loadIds(_vaults[id]);
        return _scaledDebt(id, ids, _listLength(id, ids), false);
    }

    /// @dev Length of the vault's collateral list, given its packed ids.
    function _listLength(VaultId id, uint256 ids) internal view returns (uint256 n) {
        while (n < PACKED_IDS && (ids >> (8 * n)) & 0xff != 0) ++n;
        if (n == PACKED_IDS) n += _collateralOverflow[id].length;
    }

    /// @dev Asset id of entry `i` of the vault's list.
    function _listIdAt(VaultId id, uint256 ids, uint256 i) internal view returns (uint256) {
        if (i < PACKED_IDS) return (ids >> (8 * i)) & 0xff;
        return _configs[_collateralOverflow[id][i - PACKED_IDS]].id;
    }

    /// @dev First entry of the vault's list; address(0) when empty.
    function _firstCollateral(VaultId id) internal view returns (address) {
        uint256 first = _vaults[id].headIds & 0xff;
        return first == 0 ? address(0) : _hot[first].asset;
    }
}
