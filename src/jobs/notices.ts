/**
 * The sentences chat replies and the CLI show around a translation (not errors: those are in errors.ts), written
 * once for every platform. Adapters add only their own markup (emoji, italics).
 */
export const NOTICES = {
  truncated: "The translation was cut short by the model's 4,096-token output limit; translate a shorter piece for the rest.",
  cancelled: 'Cancelled.',
  alreadyRunning: 'That is already being translated into this language.',
  cancelFinished: 'That translation has already finished.',
  cancelNotAllowed: 'Only the person who asked for this translation, or a moderator, can cancel it.',
  speechNotPosted: 'The translated speech could not be posted here.',
  noStore: "Settings and usage need the bot's store, which is not configured.",
  messageUnreadable: 'That message could not be read, so it was not translated; try again in a moment.',
} as const;
