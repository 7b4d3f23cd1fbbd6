// Package opus owns Opus coding for the live voice path: decoding the
// candidate's RTP payloads to PCM, with packet-loss concealment, and encoding
// the interviewer's synthesised voice into 20 ms packets.
//
// Decoding sits behind the Decoder interface, with two implementations: the
// reference libopus through cgo (LibopusDecoder) and the pure-Go
// github.com/pion/opus (PionDecoder). Encoding needs libopus (Encoder);
// pion/opus only decodes. MEASUREMENTS.md compares the decoders and says
// which one Viva uses.
package opus
