// Locale tables the answer file is checked against. Keyboard ids, country codes and the time-zone
// rule are Proxmox's (pve-installer's locales.json: kmap, country, cczones + "UTC"), so a Proxmox
// answer file validates here exactly as it does there.

export interface KeyboardLayout {
  name: string;
  /** XKBLAYOUT / XKBVARIANT for /etc/default/keyboard */
  x11: string;
  x11Variant: string;
  /** console keymap (kbd) */
  console: string;
}

export const KEYBOARDS: Readonly<Record<string, KeyboardLayout>> = {
  de: { name: 'German', x11: 'de', x11Variant: 'nodeadkeys', console: 'qwertz/de-latin1-nodeadkeys' },
  'de-ch': { name: 'Swiss-German', x11: 'ch', x11Variant: 'de_nodeadkeys', console: 'qwertz/sg-latin1' },
  dk: { name: 'Danish', x11: 'dk', x11Variant: 'nodeadkeys', console: 'qwerty/dk-latin1' },
  'en-gb': { name: 'United Kingdom', x11: 'gb', x11Variant: '', console: 'qwerty/uk' },
  'en-us': { name: 'U.S. English', x11: 'us', x11Variant: '', console: 'qwerty/us-latin1' },
  es: { name: 'Spanish', x11: 'es', x11Variant: 'nodeadkeys', console: 'qwerty/es' },
  fi: { name: 'Finnish', x11: 'fi', x11Variant: 'nodeadkeys', console: 'qwerty/fi-latin1' },
  fr: { name: 'French', x11: 'fr', x11Variant: 'nodeadkeys', console: 'azerty/fr-latin1' },
  'fr-be': { name: 'Belgium-French', x11: 'be', x11Variant: 'nodeadkeys', console: 'azerty/be2-latin1' },
  'fr-ca': { name: 'Canada-French', x11: 'ca', x11Variant: 'fr-legacy', console: 'qwerty/cf' },
  'fr-ch': { name: 'Swiss-French', x11: 'ch', x11Variant: 'fr_nodeadkeys', console: 'qwertz/fr_CH-latin1' },
  hu: { name: 'Hungarian', x11: 'hu', x11Variant: '', console: 'qwertz/hu' },
  is: { name: 'Icelandic', x11: 'is', x11Variant: 'nodeadkeys', console: 'qwerty/is-latin1' },
  it: { name: 'Italian', x11: 'it', x11Variant: 'nodeadkeys', console: 'qwerty/it2' },
  jp: { name: 'Japanese', x11: 'jp', x11Variant: '', console: 'qwerty/jp106' },
  lt: { name: 'Lithuanian', x11: 'lt', x11Variant: 'std', console: 'qwerty/lt' },
  mk: { name: 'Macedonian', x11: 'mk', x11Variant: 'nodeadkeys', console: 'qwerty/mk' },
  nl: { name: 'Dutch', x11: 'nl', x11Variant: '', console: 'qwerty/nl' },
  no: { name: 'Norwegian', x11: 'no', x11Variant: 'nodeadkeys', console: 'qwerty/no-latin1' },
  pl: { name: 'Polish', x11: 'pl', x11Variant: '', console: 'qwerty/pl' },
  pt: { name: 'Portuguese', x11: 'pt', x11Variant: 'nodeadkeys', console: 'qwerty/pt-latin1' },
  'pt-br': { name: 'Brazil-Portuguese', x11: 'br', x11Variant: 'nodeadkeys', console: 'qwerty/br-latin1' },
  se: { name: 'Swedish', x11: 'se', x11Variant: 'nodeadkeys', console: 'qwerty/se-latin1' },
  si: { name: 'Slovenian', x11: 'si', x11Variant: '', console: 'qwertz/slovene' },
  tr: { name: 'Turkish', x11: 'tr', x11Variant: '', console: 'qwerty/trq' },
};

export const KEYBOARD_IDS: readonly string[] = Object.keys(KEYBOARDS);

/** ISO 3166-1 alpha-2, lower case: the 249 codes Proxmox's installer knows. */
export const COUNTRY_CODES: readonly string[] = (
  'ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj ' +
  'bl bm bn bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr ' +
  'cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et fi fj fk fm fo fr ' +
  'ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu ' +
  'id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz ' +
  'la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq ' +
  'mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf ' +
  'pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si ' +
  'sj sk sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn to tr ' +
  'tt tv tw tz ua ug um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw'
).split(' ');

// zone.tab names that Node's ICU lists under an older canonical spelling (Europe/Kyiv is
// Europe/Kiev in ICU), plus the UTC spellings Proxmox accepts.
const ZONE_TAB_ALIASES = [
  'UTC',
  'Etc/UTC',
  'America/Argentina/Buenos_Aires',
  'America/Argentina/Cordoba',
  'America/Argentina/Jujuy',
  'America/Argentina/Catamarca',
  'America/Argentina/Mendoza',
  'America/Atikokan',
  'Africa/Asmara',
  'Pacific/Chuuk',
  'Pacific/Pohnpei',
  'Atlantic/Faroe',
  'America/Nuuk',
  'Asia/Kolkata',
  'Pacific/Kanton',
  'Asia/Yangon',
  'Asia/Kathmandu',
  'Europe/Kyiv',
  'America/Kentucky/Louisville',
  'America/Indiana/Indianapolis',
  'Asia/Ho_Chi_Minh',
  'America/Ciudad_Juarez',
];

let zones: Set<string> | undefined;
/** IANA zone names accepted for `global.timezone` (computed once, on first use). */
export function timeZones(): ReadonlySet<string> {
  if (!zones) {
    const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
    zones = new Set([...(intl.supportedValuesOf?.('timeZone') ?? []), ...ZONE_TAB_ALIASES]);
  }
  return zones;
}
