/**
 * The decoded length of an Opus packet, read from its TOC byte without decoding (RFC 6716 §3.1–3.2).
 *
 * TOC byte = config (5 bits) | stereo flag (1 bit) | frame-count code c (2 bits). The config gives the frame size:
 * configs 0–11 are SILK-only with 10, 20, 40, 60 ms frames (config % 4); 12–15 Hybrid with 10, 20 ms (config % 2);
 * 16–31 CELT-only with 2.5, 5, 10, 20 ms (config % 4). Code 0: one frame; codes 1 and 2: two frames; code 3: the
 * second byte's low 6 bits give the frame count M (1 ≤ M, and M × frame size ≤ 120 ms, else the packet is invalid,
 * rule R5 of §3.4). A code 1 packet's payload must split into two equal halves (rule R3).
 */

/** Frame size in 48 kHz samples by config: 2.5 ms = 120 samples. */
const FRAME_SAMPLES: readonly number[] = [
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, // SILK NB, MB, WB
  480, 960, 480, 960, // Hybrid SWB, FB
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, // CELT NB, WB, SWB, FB
];

/** The most one packet can hold: 120 ms at 48 kHz. */
export const MAX_PACKET_SAMPLES = 5760;

/**
 * Decoded samples (48 kHz units) of one Opus packet; 0 for an empty packet (nothing to decode; RFC 7845 §3 forbids
 * them in Ogg, and libopus would conceal one as a full 120 ms, so callers skip them). Throws a plain Error naming the
 * rule for a packet that breaks §3.4's length rules.
 */
export function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length === 0) return 0;
  const toc = packet[0]!;
  const frame = FRAME_SAMPLES[toc >> 3]!;
  const code = toc & 0x03;
  if (code === 0) return frame;
  if (code === 1) {
    if ((packet.length - 1) % 2 !== 0) throw new Error('an Opus packet with two equal frames has an odd length');
    return 2 * frame;
  }
  if (code === 2) return 2 * frame;
  if (packet.length < 2) throw new Error('an Opus packet lacks its frame count byte');
  const count = packet[1]! & 0x3f;
  if (count === 0 || count * frame > MAX_PACKET_SAMPLES) {
    throw new Error(`an Opus packet claims ${count} frames (more than 120 ms or none)`);
  }
  return count * frame;
}
