// Validates message bodies (create, edit, interaction replies, followups) the way Discord does, including the
// voice-message rules, and works out the attachments a message ends up with.

import { at, errors, fieldError, isObject, mergeTrees, type UploadedFile } from './http-io.js';
import { FLAG, type AttachmentState, type MessageState } from './world.js';

export const LIMITS = { content: 2000, embeds: 10, embedDescription: 4096, embedTitle: 256, embedTotal: 6000, actionRows: 5 };
const CREATE_FLAGS = 4 | 4096 | FLAG.VoiceMessage | 32768;
const EDITABLE_FLAGS = 4;
const COMPONENTS_V2 = 32768;

export interface DraftAttachment {
  file: UploadedFile;
  filename: string;
  contentType: string;
  description?: string;
  title?: string;
  durationSecs?: number;
  waveform?: string;
}

export interface ValidatedMessage {
  content: string;
  embeds: unknown[];
  components: unknown[];
  flags: number;
  keep: AttachmentState[];
  add: DraftAttachment[];
  nonce?: string | number;
  /** `enforce_nonce: true`: a repeat of a recent nonce returns the earlier message. */
  enforceNonce?: boolean;
  reference?: { message_id: string; channel_id?: string; fail_if_not_exists?: boolean };
}

export interface ValidateInput {
  body: unknown;
  files: UploadedFile[];
  mode: 'create' | 'edit';
  existing?: MessageState;
  allowEphemeral: boolean;
  /** Voice messages allowed here (channel permission SEND_VOICE_MESSAGES, and the route accepts them). */
  voiceAllowed: boolean;
  sizeLimit: number;
}

const maxLen = (n: number) => fieldError('BASE_TYPE_MAX_LENGTH', `Must be ${n} or fewer in length.`);

export function validateMessage(input: ValidateInput): ValidatedMessage {
  const body = input.body === undefined ? {} : input.body;
  if (!isObject(body)) throw errors.invalidForm(fieldError('DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType'));
  const existing = input.existing;
  if (input.mode === 'edit' && existing && (existing.flags & FLAG.VoiceMessage) !== 0) throw errors.voiceNoEdit();

  const trees: Record<string, unknown>[] = [];
  // A field left out keeps its value on edit; null clears it.
  const field = <T>(key: string, kept: T | undefined, empty: T): unknown =>
    key in body ? (body[key] ?? empty) : input.mode === 'edit' && kept !== undefined ? kept : empty;
  const content = field('content', existing?.content, '');
  if (typeof content !== 'string') trees.push(at(['content'], fieldError('BASE_TYPE_STRING', 'Must be a string.')));
  else if (content.length > LIMITS.content) trees.push(at(['content'], maxLen(LIMITS.content)));

  const embeds = field<unknown[]>('embeds', existing?.embeds, []);
  if (!Array.isArray(embeds)) trees.push(at(['embeds'], fieldError('BASE_TYPE_LIST', 'Must be a list.')));
  else trees.push(...embedErrors(embeds));

  const flags = computeFlags(input, typeof body.flags === 'number' ? body.flags : undefined);
  const components = field<unknown[]>('components', existing?.components, []);
  if (!Array.isArray(components)) trees.push(at(['components'], fieldError('BASE_TYPE_LIST', 'Must be a list.')));
  else if ((flags & COMPONENTS_V2) === 0) trees.push(...componentErrors(components));

  const { keep, add, trees: attTrees } = resolveAttachments(input, body.attachments);
  trees.push(...attTrees);
  if (trees.length) throw errors.invalidForm(mergeTrees(trees));
  for (const f of input.files) if (f.data.length > input.sizeLimit) throw errors.tooLarge();

  const out: ValidatedMessage = {
    content: String(content),
    embeds: embeds as unknown[],
    components: components as unknown[],
    flags,
    keep,
    add,
  };
  if (typeof body.nonce === 'string' || typeof body.nonce === 'number') out.nonce = body.nonce;
  if (body.enforce_nonce === true) out.enforceNonce = true;
  const ref = body.message_reference;
  if (isObject(ref) && typeof ref.message_id === 'string') {
    out.reference = {
      message_id: ref.message_id,
      ...(typeof ref.channel_id === 'string' ? { channel_id: ref.channel_id } : {}),
      ...(typeof ref.fail_if_not_exists === 'boolean' ? { fail_if_not_exists: ref.fail_if_not_exists } : {}),
    };
  }

  const empty = out.content.trim() === '' && out.embeds.length === 0 && out.components.length === 0 && keep.length + add.length === 0;
  if (empty) throw errors.emptyMessage();
  if ((flags & FLAG.VoiceMessage) !== 0) checkVoice(input, out);
  return out;
}

function computeFlags(input: ValidateInput, raw: number | undefined): number {
  if (input.mode === 'edit') {
    const old = input.existing?.flags ?? 0;
    if (raw === undefined) return old & ~FLAG.Loading;
    // Only SUPPRESS_EMBEDS is editable; other bits (IS_VOICE_MESSAGE included) are ignored. Editing a deferred
    // reply ends its loading state.
    return ((old & ~EDITABLE_FLAGS) | (raw & EDITABLE_FLAGS)) & ~FLAG.Loading;
  }
  return (raw ?? 0) & (CREATE_FLAGS | (input.allowEphemeral ? FLAG.Ephemeral : 0));
}

function embedErrors(embeds: unknown[]): Record<string, unknown>[] {
  const trees: Record<string, unknown>[] = [];
  if (embeds.length > LIMITS.embeds) trees.push(at(['embeds'], maxLen(LIMITS.embeds)));
  let total = 0;
  embeds.forEach((e, i) => {
    if (!isObject(e)) return void trees.push(at(['embeds', i], fieldError('DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType')));
    const title = typeof e.title === 'string' ? e.title : '';
    const description = typeof e.description === 'string' ? e.description : '';
    if (title.length > LIMITS.embedTitle) trees.push(at(['embeds', i, 'title'], maxLen(LIMITS.embedTitle)));
    if (description.length > LIMITS.embedDescription) trees.push(at(['embeds', i, 'description'], maxLen(LIMITS.embedDescription)));
    total += title.length + description.length + JSON.stringify(e.fields ?? []).length;
  });
  if (total > LIMITS.embedTotal) {
    trees.push(at(['embeds'], fieldError('MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${LIMITS.embedTotal}`)));
  }
  return trees;
}

function componentErrors(rows: unknown[]): Record<string, unknown>[] {
  const trees: Record<string, unknown>[] = [];
  if (rows.length > LIMITS.actionRows) trees.push(at(['components'], maxLen(LIMITS.actionRows)));
  const ids = new Set<string>();
  rows.forEach((row, i) => {
    if (!isObject(row) || row.type !== 1 || !Array.isArray(row.components)) {
      return void trees.push(at(['components', i], fieldError('UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).')));
    }
    if (row.components.length < 1 || row.components.length > 5) {
      trees.push(at(['components', i, 'components'], fieldError('BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.')));
    }
    row.components.forEach((c: unknown, j: number) => {
      if (!isObject(c)) return;
      const id = c.custom_id;
      if (c.type === 2 && c.style === 5) return; // link buttons carry a url, no custom_id
      if (typeof id !== 'string' || id.length < 1 || id.length > 100) {
        trees.push(at(['components', i, 'components', j, 'custom_id'], fieldError('BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.')));
      } else if (ids.has(id)) {
        trees.push(at(['components', i, 'components', j, 'custom_id'], fieldError('COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated')));
      } else ids.add(id);
    });
  });
  return trees;
}

function resolveAttachments(
  input: ValidateInput,
  list: unknown,
): { keep: AttachmentState[]; add: DraftAttachment[]; trees: Record<string, unknown>[] } {
  const trees: Record<string, unknown>[] = [];
  const byIndex = new Map(input.files.map((f) => [String(f.index), f]));
  const existing = input.existing?.attachments ?? [];
  if (list === undefined || list === null) {
    // Without an attachments list every uploaded file is added; an edit keeps what the message had.
    return { keep: input.mode === 'edit' ? [...existing] : [], add: input.files.map((f) => draft(f, {})), trees };
  }
  if (!Array.isArray(list)) return { keep: [], add: [], trees: [at(['attachments'], fieldError('BASE_TYPE_LIST', 'Must be a list.'))] };
  const keep: AttachmentState[] = [];
  const add: DraftAttachment[] = [];
  list.forEach((item: unknown, i: number) => {
    if (!isObject(item)) return;
    const id = String(item.id ?? '');
    const file = byIndex.get(id);
    const old = existing.find((a) => a.id === id);
    if (file) add.push(draft(file, item));
    else if (old) keep.push(old);
    else trees.push(at(['attachments', i, 'id'], fieldError('ATTACHMENT_NOT_FOUND', 'Unknown attachment or file index.')));
  });
  return { keep, add, trees };
}

function draft(file: UploadedFile, meta: Record<string, unknown>): DraftAttachment {
  const filename = typeof meta.filename === 'string' && meta.filename ? meta.filename : file.filename;
  const d: DraftAttachment = { file, filename, contentType: storedType(file.contentType, filename) };
  if (typeof meta.description === 'string') d.description = meta.description;
  if (typeof meta.title === 'string') d.title = meta.title;
  if (meta.duration_secs !== undefined && meta.duration_secs !== null) d.durationSecs = meta.duration_secs as number;
  if (meta.waveform !== undefined && meta.waveform !== null) d.waveform = meta.waveform as string;
  return d;
}

const EXT_TYPES: Record<string, string> = {
  ogg: 'audio/ogg', oga: 'audio/ogg', opus: 'audio/ogg', mp3: 'audio/mpeg', wav: 'audio/wav', m4a: 'audio/mp4',
  aac: 'audio/aac', flac: 'audio/flac', webm: 'video/webm', mp4: 'video/mp4', png: 'image/png', jpg: 'image/jpeg',
  jpeg: 'image/jpeg', gif: 'image/gif', txt: 'text/plain; charset=utf-8', json: 'application/json; charset=utf-8',
};
const extOf = (name: string): string => (/\.([a-z0-9]+)$/i.exec(name)?.[1] ?? '').toLowerCase();

function storedType(partType: string, filename: string): string {
  if (partType && partType !== 'application/octet-stream') return partType;
  return EXT_TYPES[extOf(filename)] ?? 'application/octet-stream';
}

/** Audio by part type, by name, or by its first bytes (Ogg, ID3/MPEG, RIFF/WAVE, fLaC, EBML, ISO BMFF). */
export function looksLikeAudio(d: DraftAttachment): boolean {
  if (d.file.contentType.startsWith('audio/')) return true;
  if ((EXT_TYPES[extOf(d.filename)] ?? '').startsWith('audio/')) return true;
  const b = d.file.data;
  const ascii = (from: number, to: number) => b.subarray(from, to).toString('latin1');
  return (
    ascii(0, 4) === 'OggS' || ascii(0, 3) === 'ID3' || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0) ||
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') || ascii(0, 4) === 'fLaC' ||
    (b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3) || ascii(4, 8) === 'ftyp'
  );
}

function checkVoice(input: ValidateInput, msg: ValidatedMessage): void {
  if (!input.voiceAllowed) throw errors.voiceNotAllowed();
  if (msg.content !== '' || msg.embeds.length > 0 || msg.components.length > 0) throw errors.voiceExtraContent();
  const [only] = msg.add;
  if (msg.keep.length + msg.add.length !== 1 || !only || !looksLikeAudio(only)) throw errors.voiceSingleAudio();
  // Discord keeps duration/waveform only for an audio/* part; otherwise the metadata is dropped → 50161.
  if (!only.file.contentType.startsWith('audio/') || only.durationSecs === undefined || only.waveform === undefined) {
    throw errors.voiceMetadata();
  }
  const trees: Record<string, unknown>[] = [];
  if (typeof only.durationSecs !== 'number' || !Number.isFinite(only.durationSecs) || only.durationSecs < 0) {
    trees.push(at(['attachments', 0, 'duration_secs'], fieldError('NUMBER_TYPE_COERCE', 'Value is not a valid number.')));
  }
  const w = only.waveform;
  const bytes = typeof w === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(w) ? Buffer.from(w, 'base64') : undefined;
  if (!bytes || bytes.length < 1 || bytes.length > 256) {
    trees.push(at(['attachments', 0, 'waveform'], fieldError('BASE_TYPE_BAD_LENGTH', 'Waveform must be base64 of 1 to 256 bytes.')));
  }
  if (trees.length) throw errors.invalidForm(mergeTrees(trees));
}
