//! The core types can move to another thread: a game runs its server or each bot
//! client on a worker thread (the load harness does).

fn assert_send<T: Send>() {}

#[test]
fn server_client_and_drivers_are_send() {
    assert_send::<crate::server::Server>();
    assert_send::<crate::client::Client>();
    assert_send::<crate::interp::Interpolators>();
    assert_send::<crate::transport::driver::ServerDriver<crate::transport::udp::UdpServer>>();
    assert_send::<crate::transport::driver::ClientDriver<crate::transport::udp::UdpClient>>();
}
