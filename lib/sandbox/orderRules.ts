/**
 * T-Gate's order rules as pure functions, to be read side by side with its guides "Create Order
 * Constraints" and "Order Calculation Formula" and the reference pages "Create Order" and "Update/Cancel
 * Order". Each refusal names its rule and the offending field; the HTTP layer answers it as 422 in Rails'
 * default shape, `{"<field>": ["<detail>"]}` (the detail reads after the field name, as Rails' full messages).
 *
 * Assumed where T-Gate publishes nothing: the customer and notes fields, the initial `pending` status,
 * `cancel_reason`, `free` as a payment status, and how modifier choices are counted against a group's
 * min/max (the sum of the chosen modifiers' quantities).
 */
import type {
  Branch,
  IntegrationScope,
  Item,
  Menu,
  OpeningHourGroup,
  Order,
  OrderItem,
  Section,
} from '../tgate/records';
import { isOpen } from './openingHours';

/** The rules, named as T-Gate's guides name them; every refusal message starts with one. */
export const ORDER_RULES = {
  parameters: 'Invalid or missing parameters',
  integrationScopes: 'Integration scopes',
  branchWorking: 'Branch working',
  serviceType: 'Service type',
  menuActive: 'Menu active',
  menuStructure: 'Menu structure',
  sectionOpen: 'Section open',
  itemActive: 'Item active',
  modifierGroup: 'Modifier group',
  deliveryAddress: 'Delivery address',
  uniqueAppOrderUuid: 'Unique app_order_uuid',
  totalPrice: 'Total price',
  transition: 'Invalid transition',
} as const;

export type OrderRule = (typeof ORDER_RULES)[keyof typeof ORDER_RULES];

export interface Refusal {
  rule: OrderRule;
  /** The offending field, as a path into the request body (`items[0].children[1].quantity`). */
  field: string;
  /** What is wrong, read after the field name ("does not match the calculated total 24.00"). */
  detail: string;
  /** `<field> <detail>`, as Rails' full messages read. */
  message: string;
}

export function refuse(rule: OrderRule, field: string, detail: string): Refusal {
  return { rule, field, detail, message: `${field} ${detail}` };
}

export const ORDER_STATUSES = ['pending', 'accepted', 'ready', 'in_route', 'done', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const INITIAL_ORDER_STATUS: OrderStatus = 'pending';
export const PAYMENT_STATUSES = ['pending_payment', 'paid', 'free'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** What the rules read from the catalog (live records; the rules never change them). */
export interface OrderCatalog {
  integrationScopes(): Iterable<IntegrationScope>;
  branch(id: number): Branch | undefined;
  menu(id: number): Menu | undefined;
  section(id: number): Section | undefined;
  item(id: number): Item | undefined;
  openingHourGroup(id: number): OpeningHourGroup | undefined;
  /** The opening hour groups of the branch's special timings. */
  specialTimingGroups(branchId: number): OpeningHourGroup[];
}

export interface OrderAddress {
  full_address: string;
  lat: number;
  lng: number;
}

export interface OrderCustomer {
  name?: string;
  phone_number?: string;
  email?: string;
}

/** A calculate or create request, in T-Gate's field names, after the parameter checks. */
export interface OrderRequest {
  brand_id: number;
  branch_id: number;
  menu_id: number;
  service_type: string;
  items: OrderItem[];
  app_order_uuid?: string;
  total_price?: number;
  address?: OrderAddress | null;
  customer?: OrderCustomer | null;
  notes?: string | null;
  payment_status?: PaymentStatus;
}

type Checked<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const missing = (field: string, what: string): Checked<never> => ({
  ok: false,
  refusal: refuse(ORDER_RULES.parameters, field, what),
});

/** "Every item object must have all three keys": item_id, quantity (an integer >= 1, or null) and children. */
function checkItemTree(items: unknown, field: string): Refusal | undefined {
  if (!Array.isArray(items)) return refuse(ORDER_RULES.parameters, field, 'must be an array');
  for (let i = 0; i < items.length; i++) {
    const node: unknown = items[i];
    const at = `${field}[${i}]`;
    if (!isObject(node))
      return refuse(ORDER_RULES.parameters, at, 'must be an object with item_id, quantity and children');
    for (const key of ['item_id', 'quantity', 'children']) {
      if (!(key in node))
        return refuse(
          ORDER_RULES.parameters,
          `${at}.${key}`,
          'is missing (every item has item_id, quantity and children)',
        );
    }
    if (!isId(node.item_id)) return refuse(ORDER_RULES.parameters, `${at}.item_id`, 'must be a positive integer');
    if (node.quantity !== null && (!Number.isInteger(node.quantity) || (node.quantity as number) < 1)) {
      return refuse(ORDER_RULES.parameters, `${at}.quantity`, 'must be an integer >= 1 (or null for a modifier group)');
    }
    const inner = checkItemTree(node.children, `${at}.children`);
    if (inner) return inner;
  }
  return undefined;
}

function copyItems(items: OrderItem[]): OrderItem[] {
  return items.map(({ item_id, quantity, children }) => ({ item_id, quantity, children: copyItems(children) }));
}

/** The parameter checks of a calculate (`create: false`) or create request. */
export function parseOrderRequest(body: unknown, create: boolean): Checked<OrderRequest> {
  if (!isObject(body)) return missing('body', 'must be a JSON object');
  for (const key of ['brand_id', 'branch_id', 'menu_id'] as const) {
    if (!isId(body[key])) return missing(key, 'must be a positive integer');
  }
  if (typeof body.service_type !== 'string' || body.service_type === '')
    return missing('service_type', 'must be a string (e.g. delivery)');
  if (!Array.isArray(body.items) || body.items.length === 0) return missing('items', 'must be a non-empty array');
  const tree = checkItemTree(body.items, 'items');
  if (tree) return { ok: false, refusal: tree };
  const request: OrderRequest = {
    brand_id: body.brand_id as number,
    branch_id: body.branch_id as number,
    menu_id: body.menu_id as number,
    service_type: body.service_type,
    items: copyItems(body.items as OrderItem[]),
  };
  if (!create) return { ok: true, value: request };

  if (
    typeof body.app_order_uuid !== 'string' ||
    body.app_order_uuid.trim() === '' ||
    body.app_order_uuid.length > 255
  ) {
    return missing(
      'app_order_uuid',
      "must be a non-empty string of at most 255 characters (the partner's own order id)",
    );
  }
  request.app_order_uuid = body.app_order_uuid;
  if (typeof body.total_price !== 'number' || !Number.isFinite(body.total_price) || body.total_price < 0)
    return missing('total_price', 'must be a number >= 0');
  request.total_price = body.total_price;
  if (body.address !== undefined && body.address !== null) {
    if (!isObject(body.address)) return missing('address', 'must be an object with full_address, lat and lng');
    const { full_address, lat, lng } = body.address;
    if (full_address !== undefined && typeof full_address !== 'string')
      return missing('address.full_address', 'must be a string');
    if (lat !== undefined && (typeof lat !== 'number' || lat < -90 || lat > 90))
      return missing('address.lat', 'must be a number from -90 to 90');
    if (lng !== undefined && (typeof lng !== 'number' || lng < -180 || lng > 180))
      return missing('address.lng', 'must be a number from -180 to 180');
    request.address = { full_address, lat, lng } as OrderAddress;
  }
  if (body.customer !== undefined && body.customer !== null) {
    if (!isObject(body.customer)) return missing('customer', 'must be an object (name, phone_number, email)');
    const customer: OrderCustomer = {};
    for (const key of ['name', 'phone_number', 'email'] as const) {
      const value = body.customer[key];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') return missing(`customer.${key}`, 'must be a string');
      customer[key] = value;
    }
    request.customer = customer;
  }
  if (body.notes !== undefined && body.notes !== null && typeof body.notes !== 'string')
    return missing('notes', 'must be a string');
  if (typeof body.notes === 'string') request.notes = body.notes;
  if (body.payment_status !== undefined) {
    if (!PAYMENT_STATUSES.includes(body.payment_status as PaymentStatus))
      return missing('payment_status', `must be one of ${PAYMENT_STATUSES.join(', ')}`);
    request.payment_status = body.payment_status as PaymentStatus;
  }
  return { ok: true, value: request };
}

/** "Brand, branch and menu must be within the partner's integration scopes": one scope names all three. */
export function checkIntegrationScopes(request: OrderRequest, catalog: OrderCatalog): Refusal | undefined {
  for (const scope of catalog.integrationScopes()) {
    if (
      scope.brand_id === request.brand_id &&
      scope.branch_id === request.branch_id &&
      scope.menu_id === request.menu_id
    )
      return undefined;
  }
  return refuse(
    ORDER_RULES.integrationScopes,
    'branch_id',
    `${request.branch_id} is not granted with brand ${request.brand_id} and menu ${request.menu_id} ` +
      'by any integration scope',
  );
}

/** "The branch must be working": within its opening hours, not force-closed, not force-closed under the brand. */
export function checkBranchWorking(
  request: OrderRequest,
  branch: Branch | undefined,
  catalog: OrderCatalog,
  now: Date,
): Refusal | undefined {
  const at = 'branch_id';
  if (!branch) return refuse(ORDER_RULES.branchWorking, at, `${request.branch_id} does not exist`);
  if (!branch.brand_ids.includes(request.brand_id))
    return refuse(ORDER_RULES.branchWorking, at, `${branch.id} does not serve brand ${request.brand_id}`);
  if (branch.is_force_closed) return refuse(ORDER_RULES.branchWorking, at, `${branch.id} is force-closed`);
  if (branch.force_closed_in_brands.includes(request.brand_id)) {
    return refuse(ORDER_RULES.branchWorking, at, `${branch.id} is force-closed under brand ${request.brand_id}`);
  }
  const hours = catalog.openingHourGroup(branch.default_opening_hour_group_id);
  if (!isOpen(now, branch.timezone, hours, catalog.specialTimingGroups(branch.id))) {
    return refuse(
      ORDER_RULES.branchWorking,
      at,
      `${branch.id} is outside its opening hours at ${now.toISOString()} (time zone ${branch.timezone.name})`,
    );
  }
  return undefined;
}

/** "The service type must be one the brand_branch offers, and active". */
export function checkServiceType(request: OrderRequest, branch: Branch): Refusal | undefined {
  const service = branch.services.find((s) => s.service_type === request.service_type);
  if (!service) {
    const offered = branch.services.map((s) => s.service_type).join(', ');
    return refuse(
      ORDER_RULES.serviceType,
      'service_type',
      `${request.service_type} is not offered by branch ${branch.id} (it offers ${offered})`,
    );
  }
  if (!service.is_active)
    return refuse(
      ORDER_RULES.serviceType,
      'service_type',
      `${request.service_type} is not active in branch ${branch.id}`,
    );
  return undefined;
}

/** "The menu must be active globally and in that branch". */
export function checkMenuActive(request: OrderRequest, menu: Menu | undefined): Refusal | undefined {
  const at = 'menu_id';
  if (!menu || !menu.branch_ids.includes(request.branch_id))
    return refuse(ORDER_RULES.menuActive, at, `${request.menu_id} is not a menu of branch ${request.branch_id}`);
  if (!menu.is_active) return refuse(ORDER_RULES.menuActive, at, `${menu.id} is inactive`);
  if (menu.inactive_in_branches.includes(request.branch_id))
    return refuse(ORDER_RULES.menuActive, at, `${menu.id} is inactive in branch ${request.branch_id}`);
  return undefined;
}

/** "The section must be active and not force-closed in that branch" (and, with its own hours, open). */
export function checkSectionOpen(
  section: Section,
  branch: Branch,
  catalog: OrderCatalog,
  now: Date,
  field: string,
): Refusal | undefined {
  if (section.is_force_closed)
    return refuse(ORDER_RULES.sectionOpen, field, `is in section ${section.id}, which is force-closed`);
  if (section.force_closed_in_branches.includes(branch.id)) {
    return refuse(
      ORDER_RULES.sectionOpen,
      field,
      `is in section ${section.id}, which is force-closed in branch ${branch.id}`,
    );
  }
  if (
    section.opening_hour_group_id !== null &&
    !isOpen(now, branch.timezone, catalog.openingHourGroup(section.opening_hour_group_id))
  ) {
    return refuse(
      ORDER_RULES.sectionOpen,
      field,
      `is in section ${section.id}, which is outside its opening hours at ${now.toISOString()}`,
    );
  }
  return undefined;
}

/** "Each item must be active and not inactive in that branch". */
export function checkItemActive(item: Item, branchId: number, field: string): Refusal | undefined {
  if (!item.is_active) return refuse(ORDER_RULES.itemActive, field, `${item.id} is inactive`);
  if (item.inactive_in_branches.includes(branchId))
    return refuse(ORDER_RULES.itemActive, field, `${item.id} is inactive in branch ${branchId}`);
  return undefined;
}

/** The level below each item type (T-Gate guide: Menu Structure: product → modifier_group → modifier). */
const CHILD_TYPE = { product: 'modifier_group', modifier_group: 'modifier', modifier: undefined } as const;

/** Item exists, sits where the menu structure puts it, is active; quantity null only for a modifier group. */
function checkItemNode(
  node: OrderItem,
  parent: Item | undefined,
  branchId: number,
  catalog: OrderCatalog,
  field: string,
): Checked<Item> {
  const item = catalog.item(node.item_id);
  const structure = (detail: string): Checked<Item> => ({
    ok: false,
    refusal: refuse(ORDER_RULES.menuStructure, `${field}.item_id`, detail),
  });
  if (!item) return structure(`${node.item_id} does not exist`);
  if (!parent && item.item_type !== 'product')
    return structure(`${item.id} is a ${item.item_type}: only products are ordered at the top level`);
  if (parent && (!parent.children_ids.includes(item.id) || CHILD_TYPE[parent.item_type] !== item.item_type)) {
    return structure(`${item.id} is not a child of item ${parent.id}`);
  }
  if (node.quantity === null && item.item_type !== 'modifier_group') {
    const detail = `may be null only for a modifier group (item ${item.id} is a ${item.item_type})`;
    return { ok: false, refusal: refuse(ORDER_RULES.parameters, `${field}.quantity`, detail) };
  }
  const inactive = checkItemActive(item, branchId, `${field}.item_id`);
  return inactive ? { ok: false, refusal: inactive } : { ok: true, value: item };
}

/** A group's min and max (counting the chosen modifiers' quantities) and max_num_of_same_item. */
export function checkModifierGroup(group: Item, chosen: OrderItem[], field: string): Refusal | undefined {
  const perModifier = new Map<number, number>();
  let count = 0;
  for (const modifier of chosen) {
    const quantity = modifier.quantity ?? 1;
    count += quantity;
    perModifier.set(modifier.item_id, (perModifier.get(modifier.item_id) ?? 0) + quantity);
  }
  const name = `modifier group ${group.id} (${group.name_en})`;
  if (group.min !== null && count < group.min)
    return refuse(ORDER_RULES.modifierGroup, field, `needs at least ${group.min} choice(s) of ${name}, got ${count}`);
  if (group.max !== null && count > group.max)
    return refuse(ORDER_RULES.modifierGroup, field, `allows at most ${group.max} choice(s) of ${name}, got ${count}`);
  if (group.max_num_of_same_item !== null) {
    for (const [id, quantity] of perModifier) {
      if (quantity > group.max_num_of_same_item) {
        return refuse(
          ORDER_RULES.modifierGroup,
          field,
          `allows item ${id} at most ${group.max_num_of_same_item} time(s) in ${name}, got ${quantity}`,
        );
      }
    }
  }
  return undefined;
}

/** Every ordered product, with its section and the whole tree below it. */
export function checkItems(
  request: OrderRequest,
  branch: Branch,
  catalog: OrderCatalog,
  now: Date,
): Refusal | undefined {
  for (let i = 0; i < request.items.length; i++) {
    const node = request.items[i];
    const field = `items[${i}]`;
    const product = checkItemNode(node, undefined, branch.id, catalog, field);
    if (!product.ok) return product.refusal;
    const section = product.value.section_id === null ? undefined : catalog.section(product.value.section_id);
    if (!section || section.menu_id !== request.menu_id) {
      return refuse(ORDER_RULES.menuStructure, `${field}.item_id`, `${node.item_id} is not on menu ${request.menu_id}`);
    }
    const closed = checkSectionOpen(section, branch, catalog, now, `${field}.item_id`);
    if (closed) return closed;
    const groups = new Map<number, { field: string; chosen: OrderItem[] }>();
    for (let g = 0; g < node.children.length; g++) {
      const groupNode = node.children[g];
      const groupField = `${field}.children[${g}]`;
      const group = checkItemNode(groupNode, product.value, branch.id, catalog, groupField);
      if (!group.ok) return group.refusal;
      const entry = groups.get(group.value.id) ?? { field: groupField, chosen: [] };
      groups.set(group.value.id, entry);
      for (let m = 0; m < groupNode.children.length; m++) {
        const modifierField = `${groupField}.children[${m}]`;
        const modifier = checkItemNode(groupNode.children[m], group.value, branch.id, catalog, modifierField);
        if (!modifier.ok) return modifier.refusal;
        if (groupNode.children[m].children.length > 0) {
          return refuse(
            ORDER_RULES.menuStructure,
            `${modifierField}.children`,
            `must be empty: item ${modifier.value.id} is a modifier`,
          );
        }
        entry.chosen.push(groupNode.children[m]);
      }
    }
    // Every group of the product counts, chosen or not (a required group left out has 0 choices).
    for (const groupId of product.value.children_ids) {
      const group = catalog.item(groupId);
      if (!group || group.item_type !== 'modifier_group') continue;
      const entry = groups.get(groupId) ?? { field: `${field}.children`, chosen: [] };
      const refusal = checkModifierGroup(group, entry.chosen, entry.field);
      if (refusal) return refusal;
    }
  }
  return undefined;
}

/** Every rule that reads the catalog, in the order T-Gate's "Create Order Constraints" lists them. */
export function checkCatalogRules(request: OrderRequest, catalog: OrderCatalog, now: Date): Refusal | undefined {
  const branch = catalog.branch(request.branch_id);
  return (
    checkIntegrationScopes(request, catalog) ??
    checkBranchWorking(request, branch, catalog, now) ??
    checkServiceType(request, branch!) ??
    checkMenuActive(request, catalog.menu(request.menu_id)) ??
    checkItems(request, branch!, catalog, now)
  );
}

/** "Full address, lat and lng are required for delivery". */
export function checkDeliveryAddress(request: OrderRequest): Refusal | undefined {
  if (request.service_type !== 'delivery') return undefined;
  const address = request.address;
  if (!address || typeof address.full_address !== 'string' || address.full_address.trim() === '') {
    return refuse(ORDER_RULES.deliveryAddress, 'address.full_address', 'is required for delivery');
  }
  if (typeof address.lat !== 'number')
    return refuse(ORDER_RULES.deliveryAddress, 'address.lat', 'is required for delivery');
  if (typeof address.lng !== 'number')
    return refuse(ORDER_RULES.deliveryAddress, 'address.lng', 'is required for delivery');
  return undefined;
}

/** Rails' uniqueness validation message, word for word. */
export function appOrderUuidTaken(): Refusal {
  return refuse(ORDER_RULES.uniqueAppOrderUuid, 'app_order_uuid', 'has already been taken');
}

/** One line of the calculation (assumed answer shape; the names follow "Order Calculation Formula"). */
export interface PricedItem {
  item_id: number;
  item_type: Item['item_type'];
  name_en: string;
  quantity: number | null;
  /** The item's own price (0 for a modifier group). */
  price: number;
  /** Own price plus the children's totals. */
  total_basic_price_per_unit: number;
  /** total_basic_price_per_unit × quantity (a null quantity counts as 1). */
  total_price: number;
  children: PricedItem[];
}

export interface OrderCalculation {
  brand_id: number;
  branch_id: number;
  menu_id: number;
  service_type: string;
  currency: string;
  total_price: number;
  items: PricedItem[];
}

const cents = (amount: number | null): number => Math.round((amount ?? 0) * 100);

/** Bottom-up, in whole cents so two decimals stay exact; "T-Gate does not add any taxes or extras". */
function priceItem(node: OrderItem, catalog: OrderCatalog): { line: PricedItem; totalCents: number } {
  const item = catalog.item(node.item_id);
  if (!item) throw new Error(`priceItem: item ${node.item_id} does not exist (check the rules first)`);
  const children = node.children.map((child) => priceItem(child, catalog));
  const unitCents = cents(item.price) + children.reduce((sum, c) => sum + c.totalCents, 0);
  const totalCents = unitCents * (node.quantity ?? 1);
  return {
    totalCents,
    line: {
      item_id: item.id,
      item_type: item.item_type,
      name_en: item.name_en,
      quantity: node.quantity,
      price: cents(item.price) / 100,
      total_basic_price_per_unit: unitCents / 100,
      total_price: totalCents / 100,
      children: children.map((c) => c.line),
    },
  };
}

export function calculateOrder(request: OrderRequest, branch: Branch, catalog: OrderCatalog): OrderCalculation {
  const lines = request.items.map((node) => priceItem(node, catalog));
  return {
    brand_id: request.brand_id,
    branch_id: request.branch_id,
    menu_id: request.menu_id,
    service_type: request.service_type,
    currency: branch.currency.code,
    total_price: lines.reduce((sum, l) => sum + l.totalCents, 0) / 100,
    items: lines.map((l) => l.line),
  };
}

/** "The total price must match the Calculate API", to two decimal places. */
export function checkTotalPrice(totalPrice: number, calculation: OrderCalculation): Refusal | undefined {
  if (cents(totalPrice) === cents(calculation.total_price)) return undefined;
  return refuse(
    ORDER_RULES.totalPrice,
    'total_price',
    `does not match the calculated total ${calculation.total_price.toFixed(2)} (got ${totalPrice})`,
  );
}

/**
 * The order_status values the partner may set now (reference: Update/Cancel Order): in_route from ready
 * and done from in_route, for delivery orders only; cancelled from any status but cancelled itself.
 */
export function partnerStatusTargets(order: Pick<Order, 'order_status' | 'service_type'>): OrderStatus[] {
  const targets: OrderStatus[] = [];
  if (order.service_type === 'delivery' && order.order_status === 'ready') targets.push('in_route');
  if (order.service_type === 'delivery' && order.order_status === 'in_route') targets.push('done');
  if (order.order_status !== 'cancelled') targets.push('cancelled');
  return targets;
}

export interface OrderPatch {
  order_status?: OrderStatus;
  payment_status?: PaymentStatus;
  cancel_reason?: string;
}

/** A partner's update: the order_status transition T-Gate allows, a payment_status of its list. */
export function checkPartnerUpdate(
  order: Pick<Order, 'id' | 'order_status' | 'service_type'>,
  body: unknown,
): Checked<OrderPatch> {
  if (!isObject(body)) return missing('body', 'must be a JSON object');
  if (body.order_status === undefined && body.payment_status === undefined)
    return missing('order_status', 'or payment_status is required');
  const patch: OrderPatch = {};
  if (body.payment_status !== undefined) {
    if (!PAYMENT_STATUSES.includes(body.payment_status as PaymentStatus))
      return missing('payment_status', `must be one of ${PAYMENT_STATUSES.join(', ')}`);
    patch.payment_status = body.payment_status as PaymentStatus;
  }
  if (body.order_status !== undefined) {
    const targets = partnerStatusTargets(order);
    if (!targets.includes(body.order_status as OrderStatus)) {
      const allowed = targets.length ? targets.join(', ') : 'nothing';
      const deliveryOnly =
        (body.order_status === 'in_route' || body.order_status === 'done') && order.service_type !== 'delivery'
          ? ` (${body.order_status} is for delivery orders only)`
          : '';
      return {
        ok: false,
        refusal: refuse(
          ORDER_RULES.transition,
          'order_status',
          `${JSON.stringify(body.order_status)} is not allowed: ` +
            `order ${order.id} is ${order.order_status} (${order.service_type})${deliveryOnly}; allowed: ${allowed}`,
        ),
      };
    }
    patch.order_status = body.order_status as OrderStatus;
    if (patch.order_status === 'cancelled') {
      if (typeof body.cancel_reason !== 'string' || body.cancel_reason.trim() === '')
        return missing('cancel_reason', 'is required to cancel an order');
      patch.cancel_reason = body.cancel_reason;
    }
  }
  return { ok: true, value: patch };
}
