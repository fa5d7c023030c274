// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";
import {ILendingPool} from "../interfaces/ILendingPool.sol";

/// @title Breakwater insurance fund
/// @notice Holds base tokens (liquidation penalties) and lending-pool shares (reserve factor). Pays out
/// only to authorised spenders' requests, base tokens first, then by withdrawing from the pool.
contract InsuranceFund is IInsuranceFund, AccessManaged, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IInsuranceFund
    address public immutable baseAsset;
    /// @inheritdoc IInsuranceFund
    address public immutable pool;

    /// @notice Whether `spender` may call {pay}.
    mapping(address spender => bool allowed) public isSpender;

    constructor(address accessManager, ILendingPool pool_) AccessManaged(accessManager) {
        if (address(pool_) == address(0)) revert ZeroAddress();
        pool = address(pool_);
        baseAsset = pool_.asset();
    }

    /// @inheritdoc IInsuranceFund
    function availableAssets() public view returns (uint256) {
        // The pool's maxWithdraw includes pending reserve shares and is capped by the pool's cash.
        return IERC20(baseAsset).balanceOf(address(this)) + ILendingPool(pool).maxWithdraw(address(this));
    }

    /// @inheritdoc IInsuranceFund
    function pay(address to, uint256 assets, bytes32 reason) external nonReentrant returns (uint256 paid) {
        if (!isSpender[msg.sender]) revert UnauthorisedSpender(msg.sender);
        if (to == address(0)) revert ZeroAddress();
        paid = _payOut(to, assets);
        emit Paid(to, paid, reason);
    }

    /// @notice Governance: moves up to `assets` of base asset to `to` (e.g. a treasury sweep), base tokens
    /// first, then from pool shares. Capped at {availableAssets}.
    /// @return sent What was actually sent [base units].
    function withdraw(address to, uint256 assets) external restricted nonReentrant returns (uint256 sent) {
        if (to == address(0)) revert ZeroAddress();
        sent = _payOut(to, assets);
        emit Withdrawn(to, sent);
    }

    /// @inheritdoc IInsuranceFund
    function setSpender(address spender, bool allowed) external restricted {
        if (spender == address(0)) revert ZeroAddress();
        isSpender[spender] = allowed;
        emit SpenderSet(spender, allowed);
    }

    /// @dev Pays min(assets, available): base tokens held first (no pool interaction needed), then the
    /// rest by withdrawing from the pool straight to `to`.
    function _payOut(address to, uint256 assets) private returns (uint256 paid) {
        uint256 balance = IERC20(baseAsset).balanceOf(address(this));
        uint256 fromBalance = Math.min(assets, balance);
        if (fromBalance != 0) IERC20(baseAsset).safeTransfer(to, fromBalance);
        paid = fromBalance;

        uint256 rest = assets - fromBalance;
        if (rest != 0) {
            // Accrual inside the pool's withdraw mints our pending reserve shares; maxWithdraw already counts them.
            uint256 fromPool = Math.min(rest, ILendingPool(pool).maxWithdraw(address(this)));
            if (fromPool != 0) {
                ILendingPool(pool).withdraw(fromPool, to, address(this));
                paid += fromPool;
            }
        }
    }
}
