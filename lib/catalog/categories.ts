/**
 * Categories derived from the product name, because the purchase log has none.
 *
 * The rule: the upper-cased name is matched against each category's keywords in the order below,
 * as whole words (a trailing plural "S"/"ES" is allowed); the first category with a hit wins, and a
 * name that matches nothing lands in `other`. Order encodes precedence: a "CHRISTMAS CANDLE" is
 * christmas, a "PARTY BAG" is party, a "LUNCH BAG" is a bag, a "LUNCH BOX" is kitchen.
 * Keywords are the product words of this catalogue, not brand or colour words ("DOLLY GIRL" and
 * "SPACEBOY" are design names that appear on bags, mugs and toys alike).
 */
export const CATEGORIES = [
  {
    slug: 'christmas',
    label: 'Christmas',
    keywords: ['CHRISTMAS', 'XMAS', 'ADVENT', 'SANTA', 'REINDEER', 'NATIVITY', 'BAUBLE', 'SNOWMAN', 'SNOWFLAKE', 'ANGEL', 'NOEL', 'STOCKING'],
  },
  {
    slug: 'party',
    label: 'Party',
    keywords: ['PARTY', 'BIRTHDAY', 'BUNTING', 'BALLOON', 'PAPER CUP', 'PAPER PLATE', 'CHAIN', 'GARLAND', 'EASTER', 'CONFETTI', 'PINATA', 'MASK', 'COCKTAIL'],
  },
  {
    slug: 'cards-wrap',
    label: 'Cards & wrap',
    keywords: ['CARD', 'WRAP', 'GIFT TAG', 'TAG', 'ENVELOPE', 'TISSUE PAPER', 'RIBBON', 'GIFT BOX', 'POSTCARD'],
  },
  {
    slug: 'candles-lights',
    label: 'Candles & lights',
    keywords: ['CANDLE', 'T-LIGHT', 'TLIGHT', 'TEALIGHT', 'LANTERN', 'LIGHT', 'LAMP', 'CANDLEHOLDER', 'CHANDELIER', 'NIGHTLIGHT', 'INCENSE', 'OIL BURNER', 'MATCHES', 'TORCH'],
  },
  {
    slug: 'jewellery',
    label: 'Jewellery & accessories',
    keywords: ['NECKLACE', 'NECKLAC', 'BRACELET', 'EARRING', 'RING', 'BROOCH', 'JEWEL', 'JEWELLERY', 'JEWELRY', 'CHARM', 'HAIR', 'HAIRCLIP', 'HAIRSLIDE', 'BEAD', 'DIAMANTE', 'PENDANT', 'UMBRELLA', 'SCARF', 'HAT', 'HAND WARMER', 'PONCHO', 'RAIN MAC', 'SLIPPER', 'SOCK', 'FAN', 'BADGE', 'KEY FOB', 'CLIP', 'BANGLE', 'PASSPORT COVER', 'KEYRING', 'KEY RING', 'COMPACT MIRROR', 'SUNGLASSES'],
  },
  {
    slug: 'bags',
    label: 'Bags',
    keywords: ['BAG', 'SHOPPER', 'TOTE', 'PURSE', 'BACKPACK', 'RUCKSACK', 'WALLET', 'HANDBAG', 'SATCHEL', 'WASHBAG'],
  },
  {
    slug: 'bath',
    label: 'Bath & beauty',
    keywords: ['BATH TOWEL', 'HAND TOWEL', 'BEACH TOWEL', 'SOAP', 'BATHROOM', 'BATH', 'TOILET', 'MAKE UP', 'MAKEUP', 'COSMETIC', 'WASH', 'PLASTER', 'TISSUE', 'SPONGE', 'LIP GLOSS', 'NAIL', 'PERFUME', 'HOT WATER BOTTLE', 'TOOTHBRUSH', 'SHOWER', 'FLANNEL'],
  },
  {
    slug: 'kitchen',
    label: 'Kitchen & dining',
    keywords: ['MUG', 'CUP', 'SAUCER', 'TEACUP', 'TEAPOT', 'TEA', 'COFFEE', 'PLATE', 'BOWL', 'JUG', 'CAKESTAND', 'CAKE STAND', 'CAKE CASE', 'BAKING', 'CUTLERY', 'SPOON', 'FORK', 'KNIFE', 'NAPKIN', 'TRAY', 'LUNCH BOX', 'LUNCHBOX', 'JAR', 'APRON', 'OVEN GLOVE', 'RECIPE', 'COOKIE CUTTER', 'CUTTER', 'KITCHEN', 'PANTRY', 'EGG', 'CHOPSTICK', 'COASTER', 'PLACEMAT', 'TUMBLER', 'GLASS', 'BEAKER', 'DISH', 'SNACK BOX', 'BREAD BIN', 'BISCUIT', 'STRAW', 'MOULD', 'SCALES', 'TEA TOWEL', 'DOILIES', 'DOILY', 'POPCORN', 'JAM MAKING', 'PICNIC', 'SUGAR', 'SALT AND PEPPER', 'CONTAINER', 'BASIN', 'BIB', 'BREAKFAST SET', 'OVEN MITT', 'WASHING UP', 'PAN', 'CAKE SLICE', 'TOASTRACK', 'TOAST RACK', 'BOTTLE OPENER', 'COLANDER', 'CANISTER', 'STORAGE TIN', 'CAKE TIN'],
  },
  {
    slug: 'stationery',
    label: 'Stationery',
    keywords: ['NOTEBOOK', 'PENCIL', 'PEN', 'ERASER', 'RUBBER', 'STICKER', 'TAPE', 'NOTE PAD', 'NOTEPAD', 'NOTE', 'CHALK', 'CHALKBOARD', 'JOURNAL', 'DIARY', 'BOOKMARK', 'CALENDAR', 'RULER', 'SHARPENER', 'STAMP', 'CRAYON', 'PAPER', 'SKETCHBOOK', 'BOOK', 'MAGNET', 'PAPERWEIGHT', 'ORGANISER', 'MEMO', 'CLIPBOARD', 'FOLDER', 'PHOTO ALBUM', 'ALBUM', 'WRITING SET', 'STATIONERY', 'SCISSOR', 'NOTELETS'],
  },
  {
    slug: 'toys',
    label: 'Toys & games',
    keywords: ['TOY', 'DOLL', 'GAME', 'PUZZLE', 'JIGSAW', 'MARBLE', 'SKIPPING ROPE', 'SOLDIER', 'PLAYHOUSE', 'BALL', 'KITE', 'TEDDY', 'COLOURING', 'SPINNING TOP', 'DOMINOES', 'DOMINO', 'BLOCK', 'DOLLS HOUSE', 'DOLLHOUSE', 'SKITTLES', 'YOYO', 'YO-YO', 'KNITTING', 'SEWING KIT', 'CRAFT', 'FELTCRAFT', 'PLAY', 'BINGO', 'CARDS GAME', 'WATER PISTOL', 'RATTLE', 'BUBBLES', 'SPACEBOY BOOK', 'MAGIC', 'TRAIN', 'ALPHABET', 'STRESS BALL', 'FINGER PUPPET', 'PUPPET', 'CHILDRENS', 'HARMONICA', 'LUDO', 'SNAKES & LADDERS', 'NAUGHTS & CROSSES', 'TATTOO', 'ROCKING HORSE', 'PAINT SET', 'MODELLING CLAY', 'FARM ANIMAL', 'GLIDER', 'CREEPY CRAWLIES'],
  },
  {
    slug: 'garden',
    label: 'Garden & outdoor',
    keywords: ['GARDEN', 'PLANT', 'PLANTER', 'POT', 'WATERING CAN', 'BIRD FEEDER', 'BIRDHOUSE', 'BIRD HOUSE', 'BIRD TABLE', 'PARASOL', 'SEED', 'TROWEL', 'FLOWER POT', 'HERB MARKER', 'GNOME', 'WINDMILL', 'OUTDOOR', 'ZINC', 'WIND CHIME', 'CHIME', 'GREENHOUSE', 'GARDENING', 'DOVECOTE', 'FENCE', 'BIRD', 'KNEELING PAD', 'SECATEURS', 'SPADE'],
  },
  {
    slug: 'home-decor',
    label: 'Home decor',
    keywords: ['SIGN', 'FRAME', 'CLOCK', 'MIRROR', 'CUSHION', 'DOORMAT', 'DOORSTOP', 'DOOR', 'HOOK', 'HANGER', 'COAT RACK', 'RACK', 'DRAWER', 'CABINET', 'KNOB', 'WALL', 'ORNAMENT', 'DECORATION', 'HEART', 'VASE', 'WREATH', 'BLANKET', 'THROW', 'STORAGE', 'BASKET', 'BOX', 'TIN', 'SHELF', 'PLAQUE', 'FLAG', 'HANGING', 'CURTAIN', 'QUILT', 'RUG', 'LAMPSHADE', 'PHOTO', 'PICTURE', 'CANVAS', 'ART', 'STAND', 'BELL', 'FEATHER', 'FLOWER', 'ROSE', 'WICKER', 'CHEST', 'CASE', 'HOLDER', 'FILLER PAD', 'DECORATIVE', 'MOBILE', 'BOTTLE', 'ASHTRAY', 'COLLAR', 'MONEY BANK', 'PIGGY BANK', 'PEG', 'BIN', 'DOORSIGN', 'MEMOBOARD', 'BLACK BOARD'],
  },
  { slug: 'other', label: 'Other', keywords: [] },
] as const satisfies readonly { slug: string; label: string; keywords: readonly string[] }[];

export type CategorySlug = (typeof CATEGORIES)[number]['slug'];

export interface CategoryInfo {
  slug: CategorySlug;
  label: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Words are runs of letters, digits, hyphens and apostrophes; "T-LIGHT" stays one word.
const MATCHERS = CATEGORIES.filter((c) => c.keywords.length > 0).map((c) => ({
  slug: c.slug as CategorySlug,
  re: new RegExp(
    `(?<![A-Z0-9'-])(?:${[...c.keywords]
      .sort((a, b) => b.length - a.length)
      .map((k) => escape(k).replace(/ /g, '\\s+'))
      .join('|')})(?:S|ES)?(?![A-Z0-9'-])`,
  ),
}));

/** The category of a product, from its name (see the rule above). */
export function categorize(name: string): CategorySlug {
  const upper = name.toUpperCase();
  for (const m of MATCHERS) if (m.re.test(upper)) return m.slug;
  return 'other';
}

export function isCategorySlug(s: string): s is CategorySlug {
  return CATEGORIES.some((c) => c.slug === s);
}

export function categoryLabel(slug: CategorySlug): string {
  return CATEGORIES.find((c) => c.slug === slug)?.label ?? slug;
}
