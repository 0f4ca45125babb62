/** A new product for section 401 of the seeded catalog: the fields a created item needs, without an id. */
export function newProduct(nameEn: string, nameAr: string | null) {
  return {
    section_id: 401,
    item_type: 'product' as const,
    children_ids: [],
    description_en: null,
    description_ar: null,
    image_url: null,
    price: 18.5,
    is_active: true,
    inactive_in_branches: [],
    min: null,
    max: null,
    max_num_of_same_item: null,
    name_en: nameEn,
    name_ar: nameAr,
  };
}
