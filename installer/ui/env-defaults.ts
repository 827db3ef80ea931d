// Country, time zone and keyboard guessed from the environment (TZ, LANG/LC_ALL) — pure.
import { COUNTRY_CODES } from '../../contracts/answers/locales.ts';
import { keyboards } from './data/keyboards.ts';

export interface LocaleGuess {
  country: string;
  timezone: string;
  keyboard: string;
}

// language_REGION -> Proxmox keyboard id, where the region changes the layout
const keyboardByLocale: Record<string, string> = {
  de_ch: 'de-ch',
  fr_ch: 'fr-ch',
  fr_be: 'fr-be',
  nl_be: 'fr-be',
  fr_ca: 'fr-ca',
  en_gb: 'en-gb',
  en_ie: 'en-gb',
  pt_br: 'pt-br',
  da_dk: 'dk',
  sv_se: 'se',
  nb_no: 'no',
  nn_no: 'no',
  sl_si: 'si',
  ja_jp: 'jp',
};

// a few zones whose country is not obvious from LANG (the ISO boots with LANG=C)
const countryByZone: Record<string, string> = {
  'Europe/Vienna': 'at',
  'Europe/Berlin': 'de',
  'Europe/Zurich': 'ch',
  'Europe/Paris': 'fr',
  'Europe/London': 'gb',
  'Europe/Rome': 'it',
  'Europe/Madrid': 'es',
  'Europe/Amsterdam': 'nl',
  'Europe/Brussels': 'be',
  'Europe/Warsaw': 'pl',
  'Europe/Prague': 'cz',
  'Europe/Stockholm': 'se',
  'Europe/Oslo': 'no',
  'Europe/Copenhagen': 'dk',
  'Europe/Helsinki': 'fi',
  'Europe/Lisbon': 'pt',
  'Europe/Budapest': 'hu',
  'Europe/Istanbul': 'tr',
  'Europe/Dublin': 'ie',
  'America/New_York': 'us',
  'America/Chicago': 'us',
  'America/Denver': 'us',
  'America/Los_Angeles': 'us',
  'America/Toronto': 'ca',
  'America/Sao_Paulo': 'br',
  'Asia/Tokyo': 'jp',
  'Australia/Sydney': 'au',
};

export function guessLocale(
  env: Record<string, string | undefined>,
  knownZones: readonly string[] | ((zone: string) => boolean),
  systemZone?: string,
): LocaleGuess {
  const zones = typeof knownZones === 'function' ? { has: knownZones } : new Set(knownZones);
  const tzEnv = env.TZ?.replace(/^:/, '');
  const timezone = [tzEnv, systemZone].find((z): z is string => !!z && zones.has(z)) ?? 'UTC';
  const lang = (env.LC_ALL || env.LANG || '').split('.')[0] ?? '';
  const m = /^([a-z]{2,3})_([A-Z]{2})$/.exec(lang);
  const language = m?.[1] ?? '';
  const region = m?.[2]?.toLowerCase() ?? '';
  const country =
    [region, countryByZone[timezone]].find((c): c is string => !!c && COUNTRY_CODES.includes(c)) ??
    'us';
  const ids = new Set(keyboards.map((k) => k.value));
  const byLocale = keyboardByLocale[`${language}_${region}`];
  const keyboard =
    byLocale ??
    (language === 'en' && region === 'us'
      ? 'en-us'
      : ids.has(language)
        ? language
        : ids.has(region)
          ? region
          : 'en-us');
  return { country, timezone, keyboard };
}
