// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Compiled for tests: the AccessManager that governs every Breakwater contract.
import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ILendingPool} from "../../contracts/interfaces/ILendingPool.sol";
import {IInterestRateModel} from "../../contracts/interfaces/IInterestRateModel.sol";

/// @notice OpenZeppelin's AccessManager under a name of its own: Hardhat only writes artifacts for
/// contracts defined in the project, and other mocks may wrap it too.
contract PoolTestAccessManager is AccessManager {
    constructor(address initialAdmin) AccessManager(initialAdmin) {}
}

/// @notice Stands in for the vault engine in pool tests: forwards the engine-only calls and records the
/// gas the pool itself used for the last call (excluding this contract's overhead).
contract PoolTestEngine {
    using SafeERC20 for IERC20;

    ILendingPool public immutable pool;
    IERC20 public immutable asset;
    /// @notice Gas used inside the pool by the last borrow / repay / socialise call.
    uint256 public lastPoolGas;

    constructor(ILendingPool pool_) {
        pool = pool_;
        asset = IERC20(pool_.asset());
    }

    function borrow(uint256 assets, address receiver) external returns (uint256 scaledDebt) {
        uint256 g = gasleft();
        scaledDebt = pool.borrow(assets, receiver);
        lastPoolGas = g - gasleft();
    }

    /// @notice Pulls `assets` from the caller into the pool, as the engine does, then records the repayment.
    function repay(uint256 assets, uint256 scaledDebt) external {
        asset.safeTransferFrom(msg.sender, address(pool), assets);
        uint256 g = gasleft();
        pool.repay(assets, scaledDebt, msg.sender);
        lastPoolGas = g - gasleft();
    }

    /// @notice Records a repayment without moving tokens (tokens already sent to the pool).
    function repayRaw(uint256 assets, uint256 scaledDebt, address payer) external {
        pool.repay(assets, scaledDebt, payer);
    }

    function socialiseBadDebt(uint256 scaledDebt) external returns (uint256 assets, uint256 absorbedByFund) {
        uint256 g = gasleft();
        (assets, absorbedByFund) = pool.socialiseBadDebt(scaledDebt);
        lastPoolGas = g - gasleft();
    }
}

/// @notice Rate model returning a fixed per-second rate [wad], for exact interest arithmetic in tests.
contract PoolTestFixedRateModel is IInterestRateModel {
    uint256 public rate;

    constructor(uint256 rate_) {
        rate = rate_;
    }

    function setRate(uint256 rate_) external {
        rate = rate_;
    }

    function borrowRatePerSecond(uint256, uint256) external view returns (uint256) {
        return rate;
    }
}

/// @notice Calls a pool preview and the matching action in one transaction, so the preview sees the same
/// pending interest as the action (which accrues first). Holds its own tokens and shares.
contract PoolTestPreviewer {
    ILendingPool public immutable pool;
    uint256 public lastPreview;
    uint256 public lastResult;

    constructor(ILendingPool pool_) {
        pool = pool_;
        IERC20(pool_.asset()).approve(address(pool_), type(uint256).max);
    }

    function deposit(uint256 assets) external {
        lastPreview = pool.previewDeposit(assets);
        lastResult = pool.deposit(assets, address(this));
    }

    function mint(uint256 shares) external {
        lastPreview = pool.previewMint(shares);
        lastResult = pool.mint(shares, address(this));
    }

    function withdraw(uint256 assets) external {
        lastPreview = pool.previewWithdraw(assets);
        lastResult = pool.withdraw(assets, address(this), address(this));
    }

    function redeem(uint256 shares) external {
        lastPreview = pool.previewRedeem(shares);
        lastResult = pool.redeem(shares, address(this), address(this));
    }

    /// @notice maxWithdraw then withdraw of exactly that, in one transaction.
    function withdrawMax() external {
        lastPreview = pool.maxWithdraw(address(this));
        lastResult = pool.withdraw(lastPreview, address(this), address(this));
    }
}

interface IPoolTestFund {
    function availableAssets() external view returns (uint256);
    function pay(address to, uint256 assets, bytes32 reason) external returns (uint256 paid);
}

/// @notice An authorised insurance-fund spender for tests: reads availableAssets and pays in one transaction.
contract PoolTestSpender {
    uint256 public lastAvailable;
    uint256 public lastPaid;

    function pay(IPoolTestFund fund, address to, uint256 assets, bytes32 reason) external returns (uint256 paid) {
        lastAvailable = fund.availableAssets();
        paid = fund.pay(to, assets, reason);
        lastPaid = paid;
    }
}
