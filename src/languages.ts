/**
 * The 18 languages qwen3-livetranslate-flash translates between.
 *
 * - `code` is what goes into `translation_options` (the guide's examples send codes).
 * - `name` is the English name, kept in case the service wants names (the API reference says "English full name").
 * - `speaks`: whether the model can produce speech in it; the others are text-only targets.
 * - `countries`: ISO 3166 codes whose flag emoji means this language (first = the flag we show).
 * - `locales`: chat-client locales (Discord `interaction.locale`, Slack `users.info` locale) that map to it, besides
 *   the plain code itself and `code-XX` variants, which `languageFromLocale` handles generically.
 */
export interface Language {
  code: LanguageCode;
  name: string;
  nativeName: string;
  speaks: boolean;
  countries: readonly string[];
  locales: readonly string[];
}

export const LANGUAGE_CODES = [
  'en', 'zh', 'ru', 'fr', 'de', 'pt', 'es', 'it', 'ko', 'ja', 'yue', 'id', 'vi', 'th', 'ar', 'hi', 'el', 'tr',
] as const;
export type LanguageCode = (typeof LANGUAGE_CODES)[number];

const L = (
  code: LanguageCode, name: string, nativeName: string, speaks: boolean, countries: string[], locales: string[] = [],
): Language => ({ code, name, nativeName, speaks, countries, locales });

export const LANGUAGES: readonly Language[] = [
  L('en', 'English', 'English', true, ['US', 'GB', 'AU', 'CA', 'NZ', 'IE'], ['uk']),
  L('zh', 'Chinese', '中文', true, ['CN', 'TW', 'SG'], ['zh-cn', 'zh-tw', 'zh-hans', 'zh-hant', 'cmn']),
  L('ru', 'Russian', 'Русский', true, ['RU']),
  L('fr', 'French', 'Français', true, ['FR', 'BE']),
  L('de', 'German', 'Deutsch', true, ['DE', 'AT', 'CH']),
  L('pt', 'Portuguese', 'Português', true, ['PT', 'BR']),
  L('es', 'Spanish', 'Español', true, ['ES', 'MX', 'AR', 'CO', 'CL', 'PE'], ['es-419', 'es-la']),
  L('it', 'Italian', 'Italiano', true, ['IT']),
  L('ko', 'Korean', '한국어', true, ['KR']),
  L('ja', 'Japanese', '日本語', true, ['JP']),
  L('yue', 'Cantonese', '粵語', true, ['HK', 'MO'], ['zh-hk', 'zh-mo']),
  L('id', 'Indonesian', 'Bahasa Indonesia', false, ['ID']),
  L('vi', 'Vietnamese', 'Tiếng Việt', false, ['VN']),
  L('th', 'Thai', 'ไทย', false, ['TH']),
  L('ar', 'Arabic', 'العربية', false, ['SA', 'AE', 'EG']),
  L('hi', 'Hindi', 'हिन्दी', false, ['IN']),
  L('el', 'Greek', 'Ελληνικά', false, ['GR', 'CY']),
  L('tr', 'Turkish', 'Türkçe', false, ['TR']),
];

const BY_KEY = new Map<string, Language>();
for (const lang of LANGUAGES) {
  for (const key of [lang.code, lang.name, lang.nativeName, ...lang.locales]) BY_KEY.set(key.toLowerCase(), lang);
}

/** A language by code, English or native name, or locale, case-insensitive ("JA", "japanese", "pt-BR"). */
export function findLanguage(input: string): Language | undefined {
  const key = input.trim().toLowerCase().replace(/_/g, '-');
  return BY_KEY.get(key) ?? languageFromLocale(key);
}

/**
 * A chat client's locale to a language: exact aliases first (zh-HK → yue, es-419 → es), then the part before the
 * region (pt-BR → pt, en-GB → en, ja-JP → ja). Undefined for locales the model cannot translate into (e.g. "pl").
 */
export function languageFromLocale(locale: string): Language | undefined {
  const key = locale.trim().toLowerCase().replace(/_/g, '-');
  const exact = BY_KEY.get(key);
  if (exact) return exact;
  const base = key.split('-')[0];
  return base ? BY_KEY.get(base) : undefined;
}

export function getLanguage(code: LanguageCode): Language {
  const lang = BY_KEY.get(code);
  if (!lang) throw new Error(`no language ${code}`);
  return lang;
}

/** The flag emoji for a country code: "JP" → 🇯🇵 (two regional indicator symbols). */
export function flagEmoji(country: string): string {
  return String.fromCodePoint(...[...country.toUpperCase()].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}

const BY_COUNTRY = new Map<string, Language>();
for (const lang of LANGUAGES) for (const country of lang.countries) BY_COUNTRY.set(country, lang);

/** Slack's short emoji names for flags that are not spelled `flag-xx`. */
const SLACK_SHORT_FLAGS: Record<string, string> = {
  jp: 'JP', us: 'US', gb: 'GB', uk: 'GB', cn: 'CN', kr: 'KR', fr: 'FR', de: 'DE', es: 'ES', it: 'IT', ru: 'RU',
};

/**
 * The language a flag reaction asks for: a Unicode flag (Discord: "🇯🇵") or a Slack reaction name ("flag-jp", "jp",
 * "us", "gb"). Undefined for anything else, including flags of countries whose language the model does not know.
 */
export function languageFromFlag(reaction: string): Language | undefined {
  const points = [...reaction].map((c) => c.codePointAt(0) ?? 0);
  if (points.length === 2 && points.every((p) => p >= 0x1f1e6 && p <= 0x1f1ff)) {
    return BY_COUNTRY.get(String.fromCharCode(...points.map((p) => p - 0x1f1e6 + 65)));
  }
  const name = reaction.replace(/:/g, '').toLowerCase();
  const country = name.startsWith('flag-') ? name.slice(5).toUpperCase() : SLACK_SHORT_FLAGS[name];
  return country ? BY_COUNTRY.get(country) : undefined;
}
