//! Feeds arbitrary bytes as a stream from one client (framed as on the wire) through
//! the decoder and the relay, with a second client watching: nothing may panic, and
//! the watcher is never ejected for what the first one sent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipes_cmu::codec;
use pipes_cmu::relay::{Config, Relay};
use pipes_cmu::schema::Schema;

const DC: &str = include_str!("../../../schemas/test/cmu.dc");
static MODEL: std::sync::OnceLock<Option<dcc::Model>> = std::sync::OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let model = MODEL.get_or_init(|| {
        dcc::load_sources(&[("cmu.dc", DC.as_bytes())], dcc::Options::default()).ok()
    });
    let Some(model) = model.clone() else {
        return;
    };
    let mut relay = Relay::new(Schema::new(model), Config::default());
    let (Some(a), Some(b)) = (relay.connect(), relay.connect()) else {
        return;
    };
    let _ = relay.handle(b, &[0x29, 0x23, 1, 0, 0, 0]);
    let mut at = 0;
    while let Some((dg, n)) = codec::next_frame(&data[at..]) {
        let _ = codec::decode(dg);
        let _ = relay.handle(a, dg);
        at += n;
        if relay.client(a).is_none_or(|c| c.eject.is_some()) {
            break;
        }
    }
    assert!(relay.client(b).is_some_and(|c| c.eject.is_none()));
    relay.disconnect(a);
});
