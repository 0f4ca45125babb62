/**
 * The sandbox's deterministic catalog: realistic Gulf and Egyptian restaurant data in English and Arabic.
 *
 * 45 integration scopes (3 brands x 5 branches x 3 menus) grant brands 101-103, branches 201-215 and menus
 * 301-309. Deliberately outside every scope: brand 104 with branch 216 and menu 310, and menu 311 (staff
 * meals of branch 201), with their sections, items, opening hour group 506 and branch special timing 603.
 * Also seeded: force-closed branch 205, force-closed section 402 (and 403 in branch 202 only), inactive
 * menu 303, menu 304 inactive in branch 207, items inactive in one branch, opening hours past midnight
 * (brand 103's branches 211-215 open around the clock, so an order can be placed at any real time),
 * products with modifier groups (min, max, max_num_of_same_item) and modifiers.
 */
import type {
  Brand,
  Branch,
  BranchSpecialTiming,
  IntegrationScope,
  Item,
  Menu,
  OpeningHourGroup,
  OpeningHours,
  Section,
  WeekDay,
} from '../tgate/records';
import { TGATE_RESOURCE_NAMES } from '../tgate/resources';
import { CatalogStore } from './store';

/** 45 scopes: 3 brands x 5 branches each x 3 menus per brand, ids 1..45 in that order. */
export function defaultIntegrationScopes(): IntegrationScope[] {
  const scopes: IntegrationScope[] = [];
  for (let brand = 0; brand < 3; brand++) {
    for (let branch = 0; branch < 5; branch++) {
      for (let menu = 0; menu < 3; menu++) {
        scopes.push({
          id: scopes.length + 1,
          brand_id: 101 + brand,
          branch_id: 201 + brand * 5 + branch,
          menu_id: 301 + brand * 3 + menu,
        });
      }
    }
  }
  return scopes;
}

type Bilingual = [en: string, ar: string];

interface BrandPlan {
  id: number;
  name: Bilingual;
  city: Bilingual;
  country: string;
  timezone: { name: string; utc_offset: string };
  currency: { code: string; name_en: string; name_ar: string };
  districts: Bilingual[];
  menus: Bilingual[];
  products: Bilingual[];
  openingHourGroupId: number;
}

const BRANDS: BrandPlan[] = [
  {
    id: 101,
    name: ['Shawarma House', 'بيت الشاورما'],
    city: ['Riyadh', 'الرياض'],
    country: 'Saudi Arabia',
    timezone: { name: 'Asia/Riyadh', utc_offset: '+03:00' },
    currency: { code: 'SAR', name_en: 'Saudi Riyal', name_ar: 'ريال سعودي' },
    districts: [
      ['Olaya', 'العليا'],
      ['Al Malqa', 'الملقا'],
      ['Sulaimaniyah', 'السليمانية'],
      ['Hittin', 'حطين'],
      ['Al Nakheel', 'النخيل'],
    ],
    menus: [
      ['Main Menu', 'القائمة الرئيسية'],
      ['Family Meals', 'وجبات عائلية'],
      ['Ramadan Menu', 'قائمة رمضان'],
    ],
    products: [
      ['Chicken Shawarma', 'شاورما دجاج'],
      ['Beef Shawarma', 'شاورما لحم'],
      ['Falafel Wrap', 'لفافة فلافل'],
      ['Arabic Platter', 'صحن عربي'],
      ['Hummus', 'حمص'],
      ['Fattoush', 'فتوش'],
    ],
    openingHourGroupId: 501,
  },
  {
    id: 102,
    name: ['Kabsa Kitchen', 'مطبخ الكبسة'],
    city: ['Dubai', 'دبي'],
    country: 'United Arab Emirates',
    timezone: { name: 'Asia/Dubai', utc_offset: '+04:00' },
    currency: { code: 'AED', name_en: 'UAE Dirham', name_ar: 'درهم إماراتي' },
    districts: [
      ['Jumeirah', 'جميرا'],
      ['Deira', 'ديرة'],
      ['Al Barsha', 'البرشاء'],
      ['Business Bay', 'الخليج التجاري'],
      ['Dubai Marina', 'مرسى دبي'],
    ],
    menus: [
      ['Main Menu', 'القائمة الرئيسية'],
      ['Lunch Specials', 'عروض الغداء'],
      ['Catering', 'الولائم'],
    ],
    products: [
      ['Chicken Kabsa', 'كبسة دجاج'],
      ['Lamb Mandi', 'مندي لحم'],
      ['Saleeg', 'سليق'],
      ['Jareesh', 'جريش'],
      ['Mutabbaq', 'مطبق'],
      ['Laban', 'لبن'],
    ],
    openingHourGroupId: 502,
  },
  {
    id: 103,
    name: ['Bean & Date Coffee', 'قهوة البن والتمر'],
    city: ['Cairo', 'القاهرة'],
    country: 'Egypt',
    timezone: { name: 'Africa/Cairo', utc_offset: '+02:00' },
    currency: { code: 'EGP', name_en: 'Egyptian Pound', name_ar: 'جنيه مصري' },
    districts: [
      ['Zamalek', 'الزمالك'],
      ['Maadi', 'المعادي'],
      ['Heliopolis', 'مصر الجديدة'],
      ['New Cairo', 'القاهرة الجديدة'],
      ['Dokki', 'الدقي'],
    ],
    menus: [
      ['Coffee Bar', 'بار القهوة'],
      ['Breakfast', 'الفطور'],
      ['Desserts', 'الحلويات'],
    ],
    products: [
      ['Espresso', 'إسبريسو'],
      ['Flat White', 'فلات وايت'],
      ['Saffron Latte', 'لاتيه بالزعفران'],
      ['Date Cake', 'كيكة التمر'],
      ['Kunafa', 'كنافة'],
      ['Croissant', 'كرواسون'],
    ],
    openingHourGroupId: 503,
  },
  {
    id: 104,
    name: ['Midnight Grill', 'مشويات منتصف الليل'],
    city: ['Kuwait City', 'مدينة الكويت'],
    country: 'Kuwait',
    timezone: { name: 'Asia/Kuwait', utc_offset: '+03:00' },
    currency: { code: 'KWD', name_en: 'Kuwaiti Dinar', name_ar: 'دينار كويتي' },
    districts: [['Salmiya', 'السالمية']],
    menus: [['Grill Menu', 'قائمة المشويات']],
    products: [
      ['Mixed Grill', 'مشاوي مشكلة'],
      ['Shish Tawook', 'شيش طاووق'],
      ['Kofta', 'كفتة'],
      ['Lamb Chops', 'ريش غنم'],
      ['Grilled Halloumi', 'حلوم مشوي'],
      ['Tabbouleh', 'تبولة'],
    ],
    openingHourGroupId: 506,
  },
];

const SECTION_NAMES: Bilingual[] = [
  ['Sandwiches', 'سندويشات'],
  ['Plates', 'أطباق'],
  ['Family Boxes', 'صناديق عائلية'],
  ['Sides', 'أطباق جانبية'],
  ['Iftar Boxes', 'صناديق الإفطار'],
  ['Drinks', 'مشروبات'],
  ['Rice Dishes', 'أطباق الأرز'],
  ['Salads', 'سلطات'],
  ['Daily Specials', 'أطباق اليوم'],
  ['Soups', 'شوربات'],
  ['Trays', 'صواني'],
  ['Sweets', 'حلويات'],
  ['Hot Coffee', 'قهوة ساخنة'],
  ['Iced Coffee', 'قهوة مثلجة'],
  ['Eggs', 'بيض'],
  ['Bakery', 'مخبوزات'],
  ['Cakes', 'كيك'],
  ['Oriental Sweets', 'حلويات شرقية'],
  ['Grills', 'مشاوي'],
  ['Mezze', 'مقبلات'],
  ['Staff Plates', 'أطباق الموظفين'],
  ['Staff Drinks', 'مشروبات الموظفين'],
];

const ALL_DAYS: WeekDay[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function weekly(firstId: number, hours: Partial<Record<WeekDay, Array<[string, string]>>>): OpeningHours[] {
  return ALL_DAYS.filter((day) => hours[day]).map((day, i) => ({
    id: firstId + i,
    week_day: day,
    intervals: hours[day]!.map(([starts_at, ends_at]) => ({ starts_at, ends_at })),
  }));
}

function everyDay(intervals: Array<[string, string]>): Partial<Record<WeekDay, Array<[string, string]>>> {
  return Object.fromEntries(ALL_DAYS.map((day) => [day, intervals]));
}

function openingHourGroups(): OpeningHourGroup[] {
  const regular = { start_date: null, end_date: null, is_special_timing: false, is_force_closed: false };
  const sunToThu = (intervals: Array<[string, string]>) => ({
    sunday: intervals,
    monday: intervals,
    tuesday: intervals,
    wednesday: intervals,
    thursday: intervals,
  });
  return [
    // Late night: 10:00 until 02:00 the next morning (starts_at >= ends_at runs past midnight).
    { id: 501, ...regular, opening_hours: weekly(5011, everyDay([['10:00', '02:00']])) },
    {
      id: 502,
      ...regular,
      opening_hours: weekly(5021, {
        ...sunToThu([['08:00', '23:00']]),
        friday: [['13:00', '01:00']],
        saturday: [['09:00', '00:00']],
      }),
    },
    // Open around the clock ('00:00' to '00:00' runs to the next midnight), so some branch takes orders
    // at any real time.
    { id: 503, ...regular, opening_hours: weekly(5031, everyDay([['00:00', '00:00']])) },
    {
      id: 504,
      start_date: '2027-02-08',
      end_date: '2027-03-09',
      is_special_timing: true,
      is_force_closed: false,
      opening_hours: weekly(5041, everyDay([['20:00', '04:00']])),
    },
    {
      id: 505,
      start_date: '2026-12-02',
      end_date: '2026-12-03',
      is_special_timing: true,
      is_force_closed: true,
      opening_hours: [],
    },
    { id: 506, ...regular, opening_hours: weekly(5061, everyDay([['18:00', '05:00']])) },
    // Breakfast sections; Friday and Saturday are closed (days not listed are closed).
    { id: 507, ...regular, opening_hours: weekly(5071, sunToThu([['06:00', '11:30']])) },
  ];
}

const SPECIAL_TIMINGS: BranchSpecialTiming[] = [
  { id: 601, opening_hour_group_id: 504, branch_id: 201 },
  { id: 602, opening_hour_group_id: 505, branch_id: 206 },
  { id: 603, opening_hour_group_id: 504, branch_id: 216 },
];

interface CatalogSkeleton {
  brands: Brand[];
  branches: Branch[];
  menus: Menu[];
  sections: Section[];
  /** The brand plan of each section, for item names. */
  sectionBrand: Map<number, BrandPlan>;
  /** The first branch of each section's menu, for "inactive in one branch". */
  sectionBranch: Map<number, number>;
}

function skeleton(): CatalogSkeleton {
  const brands: Brand[] = [];
  const branches: Branch[] = [];
  const menus: Menu[] = [];
  const sections: Section[] = [];
  const sectionBrand = new Map<number, BrandPlan>();
  const sectionBranch = new Map<number, number>();
  let nextBranch = 201;
  let nextMenu = 301;
  let nextSection = 401;

  const addMenu = (plan: BrandPlan, name: Bilingual, branchIds: number[]): Menu => {
    const menu: Menu = {
      id: nextMenu++,
      logo: null,
      description_en: `${name[0]} of ${plan.name[0]}`,
      description_ar: `${name[1]} - ${plan.name[1]}`,
      is_active: true,
      inactive_in_branches: [],
      name_en: name[0],
      name_ar: name[1],
      branch_ids: branchIds,
      section_ids: [],
    };
    for (let k = 0; k < 2; k++) {
      const id = nextSection++;
      const sectionName = SECTION_NAMES[(id - 401) % SECTION_NAMES.length];
      const breakfast = sectionName[0] === 'Eggs' || sectionName[0] === 'Bakery';
      sections.push({
        id,
        menu_id: menu.id,
        description_en: null,
        description_ar: null,
        image_url: `https://images.example.com/sections/${id}.jpg`,
        is_force_closed: false,
        force_closed_in_branches: [],
        name_en: sectionName[0],
        name_ar: sectionName[1],
        opening_hour_group_id: breakfast ? 507 : null,
      });
      menu.section_ids.push(id);
      sectionBrand.set(id, plan);
      sectionBranch.set(id, branchIds[0]);
    }
    menus.push(menu);
    return menu;
  };

  for (const plan of BRANDS) {
    brands.push({
      id: plan.id,
      name_en: plan.name[0],
      name_ar: plan.name[1],
      logo: `https://images.example.com/brands/${plan.id}.png`,
    });
    const branchIds = plan.districts.map(() => nextBranch++);
    const brandMenus = plan.menus.map((name) => addMenu(plan, name, branchIds));
    plan.districts.forEach(([district, districtAr], i) => {
      const id = branchIds[i];
      branches.push({
        id,
        logo: null,
        commercial_record: String(1010000000 + id * 7),
        about_en: `${plan.name[0]} in ${district}, ${plan.city[0]}`,
        about_ar: `${plan.name[1]} في ${districtAr}، ${plan.city[1]}`,
        name_en: `${plan.name[0]} ${district}`,
        name_ar: `${plan.name[1]} ${districtAr}`,
        brand_ids: [plan.id],
        menu_ids: brandMenus.map((m) => m.id),
        is_force_closed: false,
        force_closed_in_brands: [],
        default_opening_hour_group_id: plan.openingHourGroupId,
        branch_special_timing_ids: SPECIAL_TIMINGS.filter((t) => t.branch_id === id).map((t) => t.id),
        address: {
          full_address: `${10 + i} ${district} Street, ${district}, ${plan.city[0]}`,
          latitude: Number((24.7 + (plan.id - 101) * 0.9 + i * 0.013).toFixed(6)),
          longitude: Number((46.6 + (plan.id - 101) * 1.1 + i * 0.017).toFixed(6)),
          city: plan.city[0],
          country: plan.country,
        },
        timezone: plan.timezone,
        currency: plan.currency,
        services: [
          { service_type: 'delivery', is_active: i !== 3 },
          { service_type: 'pickup', is_active: true },
          ...(i % 2 === 0 ? [{ service_type: 'dine_in' as const, is_active: true }] : []),
        ],
      });
    });
  }
  // Outside every scope: the staff menu of branch 201.
  const staff = addMenu(BRANDS[0], ['Staff Meals', 'وجبات الموظفين'], [201]);
  branches.find((b) => b.id === 201)!.menu_ids.push(staff.id);

  branches.find((b) => b.id === 205)!.is_force_closed = true;
  branches.find((b) => b.id === 210)!.force_closed_in_brands = [102];
  menus.find((m) => m.id === 303)!.is_active = false;
  menus.find((m) => m.id === 304)!.inactive_in_branches = [207];
  sections.find((s) => s.id === 402)!.is_force_closed = true;
  sections.find((s) => s.id === 403)!.force_closed_in_branches = [202];
  return { brands, branches, menus, sections, sectionBrand, sectionBranch };
}

/**
 * Items in blocks, section after section: a product with a one-of size group (min 1, max 1), a product
 * with an extras group (min 0, max 3, up to 2 of the same), then two plain products. Children come before
 * their parents, so a count that cuts a block leaves no dangling children_ids.
 */
function generateItems(count: number, skel: CatalogSkeleton, firstId = 1001): Item[] {
  const items: Item[] = [];
  const sections = skel.sections;
  let nextId = firstId;
  const push = (
    item: Omit<Item, 'id' | 'description_en' | 'description_ar' | 'image_url' | 'inactive_in_branches' | 'is_active'> &
      Partial<Item>,
  ): number => {
    const id = nextId++;
    if (items.length < count) {
      items.push({
        id,
        description_en: null,
        description_ar: null,
        image_url: null,
        is_active: true,
        inactive_in_branches: [],
        ...item,
      });
    }
    return id;
  };
  const option = (sectionId: number, name: Bilingual, price: number) =>
    push({
      section_id: sectionId,
      item_type: 'modifier',
      children_ids: [],
      price,
      min: null,
      max: null,
      max_num_of_same_item: null,
      name_en: name[0],
      name_ar: name[1],
    });
  const group = (sectionId: number, name: Bilingual, children: number[], min: number, max: number, same: number) =>
    push({
      section_id: sectionId,
      item_type: 'modifier_group',
      children_ids: children,
      price: null,
      min,
      max,
      max_num_of_same_item: same,
      name_en: name[0],
      name_ar: name[1],
    });
  for (let block = 0; items.length < count; block++) {
    const section = sections[block % sections.length];
    const round = Math.floor(block / sections.length);
    const plan = skel.sectionBrand.get(section.id)!;
    const name = plan.products[(block + round) % plan.products.length];
    const suffix = round < 4 ? '' : ` ${Math.floor(round / 4) + 1}`;
    let children: number[] = [];
    if (round % 4 === 0) {
      const sizes = [
        option(section.id, ['Small', 'صغير'], 0),
        option(section.id, ['Medium', 'وسط'], 2),
        option(section.id, ['Large', 'كبير'], 4),
      ];
      children = [group(section.id, ['Choose your size', 'اختر الحجم'], sizes, 1, 1, 1)];
    } else if (round % 4 === 1) {
      const extras = [
        option(section.id, ['Extra cheese', 'جبنة إضافية'], 3),
        option(section.id, ['Extra sauce', 'صوص إضافي'], 1.5),
      ];
      children = [group(section.id, ['Extras', 'إضافات'], extras, 0, 3, 2)];
    }
    push({
      section_id: section.id,
      item_type: 'product',
      children_ids: children,
      price: 12 + ((block * 5) % 40) / 2,
      min: null,
      max: null,
      max_num_of_same_item: null,
      name_en: `${name[0]}${suffix}`,
      name_ar: `${name[1]}${suffix}`,
      description_en: `${name[0]} from ${plan.name[0]}`,
      description_ar: `${name[1]} من ${plan.name[1]}`,
      image_url: `https://images.example.com/items/${nextId}.jpg`,
      // Every seventh block: not sold in the first branch of its menu.
      inactive_in_branches: block % 7 === 3 ? [skel.sectionBranch.get(section.id)!] : [],
      is_active: block % 11 !== 5,
    });
  }
  return items;
}

/** Items in the default catalog: each section gets one round of the four blocks (5 + 4 + 1 + 1 items). */
export const DEFAULT_ITEM_COUNT = 22 * 11;

export interface SeedOptions {
  /** How many items to generate (default DEFAULT_ITEM_COUNT); 100,000 seeds in well under a second. */
  items?: number;
  /** Replace the integration scopes too (default: keep the store's, or the 45 default ones when empty). */
  integrationScopes?: IntegrationScope[];
}

export interface SeedSummary {
  counts: Record<string, number>;
  changeCount: number;
}

/** Replace the whole catalog with the deterministic one (orders are emptied). */
export function seedCatalog(store: CatalogStore, options: SeedOptions = {}): SeedSummary {
  const count = options.items ?? DEFAULT_ITEM_COUNT;
  if (!Number.isInteger(count) || count < 0 || count > 5_000_000)
    throw new RangeError('seed: items must be an integer from 0 to 5,000,000');
  const skel = skeleton();
  if (options.integrationScopes) store.load('integrationScopes', options.integrationScopes);
  else if (store.count('integrationScopes') === 0) store.load('integrationScopes', defaultIntegrationScopes());
  store.load('brands', skel.brands);
  store.load('branches', skel.branches);
  store.load('menus', skel.menus);
  store.load('sections', skel.sections);
  store.load('items', generateItems(count, skel));
  store.load('openingHourGroups', openingHourGroups());
  store.load(
    'branchSpecialTimings',
    SPECIAL_TIMINGS.map((t) => ({ ...t })),
  );
  store.load('orders', []);
  const counts: Record<string, number> = {};
  for (const name of TGATE_RESOURCE_NAMES) counts[name] = store.count(name);
  return { counts, changeCount: store.changeCount };
}
