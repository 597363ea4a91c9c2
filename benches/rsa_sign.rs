//! Which constant-time-hardened RSA in our dependency tree signs RS256 fastest?
//! ring (via rustls) against the `rsa` crate (via openidconnect), one core, the emulator's key.
//! Run: `cargo bench --bench rsa_sign`. Prints signatures per second for each.

use base64::Engine;
use rsa::pkcs8::DecodePrivateKey;
use std::time::{Duration, Instant};

const KEY: &str = include_str!("../src/emulator/keys/org-1.key.pem");
/// DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1).
const SHA256_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

fn rate(name: &str, mut sign: impl FnMut(&[u8]) -> Vec<u8>) -> f64 {
    let msg = b"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJiZW5jaCJ9";
    // Warm up, then sign for two seconds.
    for _ in 0..20 {
        sign(msg);
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(2) {
        std::hint::black_box(sign(msg));
        n += 1;
    }
    let per_sec = f64::from(n) / start.elapsed().as_secs_f64();
    println!("{name:<28} {per_sec:>8.0} RS256 signatures/s (one core)");
    per_sec
}

fn main() {
    let pem = KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>();
    let der = base64::engine::general_purpose::STANDARD
        .decode(pem)
        .unwrap();

    let ring_key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let rng = ring::rand::SystemRandom::new();
    let ring_rate = rate("ring 0.17 (emulator)", |m| {
        let mut sig = vec![0; ring_key.public().modulus_len()];
        ring_key
            .sign(&ring::signature::RSA_PKCS1_SHA256, &rng, m, &mut sig)
            .unwrap();
        sig
    });

    let rsa_key = rsa::RsaPrivateKey::from_pkcs8_der(&der).unwrap();
    let mut os = rsa_rng();
    let rsa_rate = rate("rsa 0.9 (RustCrypto)", |m| {
        let mut prefixed = SHA256_PREFIX.to_vec();
        prefixed.extend_from_slice(ring::digest::digest(&ring::digest::SHA256, m).as_ref());
        rsa_key
            .sign_with_rng(&mut os, rsa::Pkcs1v15Sign::new_unprefixed(), &prefixed)
            .unwrap()
    });
    println!("ring / rsa: {:.1}x", ring_rate / rsa_rate);
}

/// A rand_core 0.6 RNG over ring's, for the rsa crate's blinding.
fn rsa_rng() -> impl rand_core::CryptoRngCore {
    struct R(ring::rand::SystemRandom);
    impl rand_core::RngCore for R {
        fn next_u32(&mut self) -> u32 {
            rand_core::impls::next_u32_via_fill(self)
        }
        fn next_u64(&mut self) -> u64 {
            rand_core::impls::next_u64_via_fill(self)
        }
        fn fill_bytes(&mut self, d: &mut [u8]) {
            ring::rand::SecureRandom::fill(&self.0, d).unwrap();
        }
        fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(d);
            Ok(())
        }
    }
    impl rand_core::CryptoRng for R {}
    R(ring::rand::SystemRandom::new())
}
