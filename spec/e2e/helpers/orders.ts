/** Orders built from the sandbox's own catalog, for the e2e order specs: nothing hard-coded. */
import type { Sandbox } from '../../../lib/sandbox';
import type { StoredRecord } from '../../../lib/sandbox/store';

type Branch = StoredRecord & { brand_ids: number[]; is_force_closed: boolean };
type Menu = StoredRecord & { is_active: boolean; inactive_in_branches: number[] };

/** A delivery order the sandbox accepts at any hour: one plain product, twice, at a branch open around the clock. */
export function calculableOrder(sandbox: Sandbox): Record<string, unknown> {
  const store = sandbox.store;
  const now = sandbox.now();
  for (const branch of store.list('branches', { page: 1, items: 1_000_000 }).records as Branch[]) {
    if (branch.is_force_closed) continue;
    for (const menu of store.list('menus', { page: 1, items: 1_000_000, filters: { branch_id: String(branch.id) } })
      .records as Menu[]) {
      if (!menu.is_active || menu.inactive_in_branches.includes(branch.id)) continue;
      const sections = new Set(
        [...store.records('sections')]
          .filter((s) => s.menu_id === menu.id && !s.is_force_closed && !s.force_closed_in_branches.includes(branch.id))
          .map((s) => s.id),
      );
      const product = [...store.records('items')].find(
        (i) =>
          i.item_type === 'product' &&
          i.children_ids.length === 0 &&
          i.is_active &&
          !i.inactive_in_branches.includes(branch.id) &&
          i.section_id !== null &&
          sections.has(i.section_id) &&
          i.price !== null,
      );
      if (!product) continue;
      const order = {
        brand_id: branch.brand_ids[0],
        branch_id: branch.id,
        menu_id: menu.id,
        service_type: 'delivery',
        items: [{ item_id: product.id, quantity: 2, children: [] }],
      };
      try {
        sandbox.orders.calculate(order);
        return order;
      } catch {
        // closed now (opening hours), or another rule: try the next branch
      }
    }
  }
  throw new Error(`no branch of the sandbox takes an order at ${now.toISOString()}`);
}
