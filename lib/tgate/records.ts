/**
 * TypeScript shapes of T-Gate's records, as the partner API answers them. They mirror the JSON Schemas in
 * lib/schemas/*.out.json (which say, per attribute, what T-Gate documents and what is assumed).
 */

export interface IntegrationScope {
  id: number;
  brand_id: number;
  branch_id: number;
  menu_id: number;
}

export interface Brand {
  id: number;
  name_en: string;
  name_ar: string | null;
  logo: string | null;
}

export type ServiceType = 'delivery' | 'pickup' | 'dine_in';

export interface BranchAddress {
  full_address: string;
  latitude: number;
  longitude: number;
  city: string;
  country: string;
}

export interface Branch {
  id: number;
  logo: string | null;
  commercial_record: string | null;
  about_en: string | null;
  about_ar: string | null;
  name_en: string;
  name_ar: string | null;
  brand_ids: number[];
  menu_ids: number[];
  is_force_closed: boolean;
  force_closed_in_brands: number[];
  default_opening_hour_group_id: number;
  branch_special_timing_ids: number[];
  address: BranchAddress;
  timezone: { name: string; utc_offset: string };
  currency: { code: string; name_en: string; name_ar: string | null };
  services: Array<{ service_type: ServiceType; is_active: boolean }>;
}

export interface Menu {
  id: number;
  logo: string | null;
  description_en: string | null;
  description_ar: string | null;
  is_active: boolean;
  inactive_in_branches: number[];
  name_en: string;
  name_ar: string | null;
  branch_ids: number[];
  section_ids: number[];
}

export interface Section {
  id: number;
  menu_id: number;
  description_en: string | null;
  description_ar: string | null;
  image_url: string | null;
  is_force_closed: boolean;
  force_closed_in_branches: number[];
  name_en: string;
  name_ar: string | null;
  /** null: open 24/7 */
  opening_hour_group_id: number | null;
}

export type ItemType = 'product' | 'modifier_group' | 'modifier';

export interface Item {
  id: number;
  section_id: number | null;
  item_type: ItemType;
  children_ids: number[];
  description_en: string | null;
  description_ar: string | null;
  image_url: string | null;
  price: number | null;
  is_active: boolean;
  inactive_in_branches: number[];
  min: number | null;
  max: number | null;
  max_num_of_same_item: number | null;
  name_en: string;
  name_ar: string | null;
}

export type WeekDay = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';

export interface OpeningHours {
  id: number;
  week_day: WeekDay;
  /** "HH:MM"; starts_at >= ends_at runs past midnight. */
  intervals: Array<{ starts_at: string; ends_at: string }>;
}

export interface OpeningHourGroup {
  id: number;
  start_date: string | null;
  end_date: string | null;
  is_special_timing: boolean;
  is_force_closed: boolean;
  opening_hours: OpeningHours[];
}

export interface BranchSpecialTiming {
  id: number;
  opening_hour_group_id: number;
  branch_id: number;
}

export interface OrderItem {
  item_id: number;
  quantity: number | null;
  children: OrderItem[];
}

export interface Order {
  id: number;
  app_order_uuid: string;
  brand_id: number;
  branch_id: number;
  menu_id: number;
  service_type: string;
  order_status: string;
  payment_status: 'pending_payment' | 'paid' | 'free';
  total_price?: number;
  estimated_time?: string | null;
  items: OrderItem[];
  /** Required for delivery. */
  address?: { full_address: string; lat: number; lng: number } | null;
  customer?: { name?: string; phone_number?: string; email?: string } | null;
  notes?: string | null;
  cancel_reason?: string | null;
  created_at?: string;
  updated_at?: string;
}

/** The record type of each resource of lib/tgate/resources.ts. */
export interface TGateRecords {
  integrationScopes: IntegrationScope;
  brands: Brand;
  branches: Branch;
  menus: Menu;
  sections: Section;
  items: Item;
  openingHourGroups: OpeningHourGroup;
  branchSpecialTimings: BranchSpecialTiming;
  orders: Order;
}
