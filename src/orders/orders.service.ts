import type { Principal } from '../auth/principal.js';
import { requireOwner } from '../auth/guards.js';
import type { GiftCardService } from '../giftcards/giftcards.service.js';
import { AppError } from '../shared/errors.js';
import { listOrderTimeline } from '../timeline/timeline.repository.js';
import { Checkout, type PlaceOrderInput } from './orders.checkout.js';
import { OrderChanges } from './orders.changes.js';
import { Reconciler } from './orders.reconcile.js';
import { findOrder, listOrders } from './orders.repository.js';
import { Settlement, type SettlementDeps } from './orders.settlement.js';
import { orderDetails, orderSummaries } from './orders.view.js';

/** The orders capability as routes, workers and tests use it. */
export class OrderService {
  readonly settlement: Settlement;
  readonly checkout: Checkout;
  readonly changes: OrderChanges;
  readonly reconciler: Reconciler;

  constructor(
    private readonly deps: SettlementDeps,
    giftCards: GiftCardService,
  ) {
    this.settlement = new Settlement(deps);
    this.checkout = new Checkout(deps, this.settlement);
    this.changes = new OrderChanges(deps);
    this.reconciler = new Reconciler(deps, this.settlement, giftCards);
  }

  place(principal: Principal, input: PlaceOrderInput) {
    return this.checkout.place(principal, input);
  }

  async get(principal: Principal, orderId: string) {
    return orderDetails(this.deps.db, await this.owned(principal, orderId));
  }

  async mine(principal: Principal, limit: number) {
    return orderSummaries(this.deps.db, await listOrders(this.deps.db, principal.userId, limit));
  }

  async timeline(principal: Principal, orderId: string) {
    const order = await this.owned(principal, orderId);
    return listOrderTimeline(this.deps.db, this.deps.signer, order);
  }

  private async owned(principal: Principal, orderId: string) {
    const order = await findOrder(this.deps.db, orderId);
    if (!order) throw new AppError(404, 'orders.not_found', 'No order with this id.');
    requireOwner(principal, order.userId, 'orders.not_found', 'order');
    return order;
  }
}
