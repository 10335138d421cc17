//! Astron codecs on arbitrary bodies: whatever decodes must encode again and decode
//! to the same message (the schema's `skip` and `validate` agree, and the encoder
//! accepts every value the decoder produced); the frame decoder returns every body
//! of a stream however it is split.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pipes::testing::SCHEMA;
use pipes_astron::client_msg::ClientMessage;
use pipes_astron::frame::FrameDecoder;
use pipes_astron::internal::InternalMessage;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(msg) = ClientMessage::decode(&SCHEMA, body) {
                let bytes = msg
                    .encode(&SCHEMA)
                    .expect("a decoded client message encodes");
                let again = ClientMessage::decode(&SCHEMA, &bytes).expect("re-decodes");
                assert_eq!(again, msg);
            }
        }
        1 => {
            if let Ok(msg) = InternalMessage::decode(&SCHEMA, body) {
                let bytes = msg
                    .encode(&SCHEMA)
                    .expect("a decoded internal message encodes");
                let again = InternalMessage::decode(&SCHEMA, &bytes).expect("re-decodes");
                assert_eq!(again, msg);
            }
        }
        _ => {
            // The same stream pushed whole and in pieces yields the same bodies.
            let mut whole = FrameDecoder::new();
            whole.push(body);
            let a: Vec<Vec<u8>> = std::iter::from_fn(|| whole.next_frame()).collect();
            let mut split = FrameDecoder::new();
            let mut b = Vec::new();
            let step = usize::from(mode / 3).max(1);
            for chunk in body.chunks(step) {
                split.push(chunk);
                b.extend(std::iter::from_fn(|| split.next_frame()));
            }
            assert_eq!(a, b);
            assert_eq!(whole.pending(), split.pending());
            let used: usize = a.iter().map(|f| f.len() + 2).sum();
            assert_eq!(used + whole.pending(), body.len());
        }
    }
});
