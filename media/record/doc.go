// Package record owns the recordings of an interview: one Ogg Opus file
// (RFC 7845, 48 kHz mono) per direction, the candidate's voice and the
// interviewer's, both on the interview's time base, the one the
// transcript's word times use: zero is when the server starts receiving the
// candidate's audio, and a word that starts at second t is heard at second t
// of either file.
//
// A Recorder writes the Opus packets it is given as they are, never
// re-encoded, each at the time it is given. A gap between packets is filled
// so that later audio stays in place: packets lost in transit with empty
// packets that make the player conceal them, as the server's decoder did;
// any other gap (DTX, a muted microphone, a reconnect, the interviewer
// between prompts) with Opus frames that decode to silence. A packet that
// comes early is written anyway.
//
// Pre-skip (the samples a player drops at the start, RFC 7845 §4.2) is
// Config.PreSkip: 0 for the candidate's packets as received, so that the
// file plays what the server decoded at each time, which is what speech
// recognition heard and timed; opus.Encoder.Lookahead() for the
// interviewer's packets, so that the encoder's delay is taken back and the
// voice plays at the time its input was scheduled.
//
// Pages go to the file at least every Config.FlushEvery of audio (1 s), so a
// crash or SIGKILL loses at most that much; the file then lacks only its
// end-of-stream page and plays as it is. Probe describes any Ogg Opus file,
// cut short or not, and Decode decodes one back to PCM with libopus.
package record
