//! `optima-server vault rotate | rewrap | retire` as an operator runs them: the key file in the data
//! dir, or the new `OPTIMA_VAULT_KEYS` value printed (to stdout only, never logged).

use std::process::{Command, Output};

use optima_core::vault::KeyRing;

fn run(dir: &std::path::Path, args: &[&str], keys: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_optima-server"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OPTIMA_") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(dir)
        .env("OPTIMA_DATA_DIR", dir.join("data"))
        .env("OPTIMA_LOG", "debug")
        .args(args);
    if let Some(keys) = keys {
        cmd.env("OPTIMA_VAULT_KEYS", keys);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn key_material(ring: &str) -> Vec<String> {
    ring.split(',')
        .map(|e| e.split_once(':').unwrap().1.trim().to_owned())
        .collect()
}

#[test]
fn rotate_rewrap_and_retire_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("data").join(optima_server::vault::KEY_FILE);

    let help = run(dir.path(), &["vault", "--help"], None);
    let help = text(&help.stdout);
    assert!(help.contains("rotate") && help.contains("rewrap") && help.contains("retire"));

    // First rotation on a fresh data dir: a generated key, then a new primary in front of it.
    let out = run(dir.path(), &["vault", "rotate"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ring = std::fs::read_to_string(&key_file).unwrap();
    let parsed = KeyRing::parse(ring.trim()).unwrap();
    let ids: Vec<String> = parsed.key_ids().map(|k| k.as_str().to_owned()).collect();
    assert_eq!(ids.len(), 2);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&ids[0]) && stdout.contains("vault rewrap"),
        "{stdout}"
    );
    for key in key_material(&ring) {
        assert!(!stdout.contains(&key) && !text(&out.stderr).contains(&key));
    }

    let out = run(dir.path(), &["vault", "rewrap", "--batch", "10"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("vault rewrap: 0 credential(s)"),
        "{}",
        text(&out.stdout)
    );

    let out = run(dir.path(), &["vault", "retire", &ids[1]], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ring = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(KeyRing::parse(ring.trim()).unwrap().key_ids().count(), 1);
    let out = run(dir.path(), &["vault", "retire", &ids[0]], None);
    assert!(!out.status.success(), "the primary cannot be retired");
    assert!(
        text(&out.stderr).contains("primary"),
        "{}",
        text(&out.stderr)
    );

    // With OPTIMA_VAULT_KEYS: the value to set is printed on stdout, and nothing is logged.
    let setting = ring.trim().to_owned();
    let out = run(dir.path(), &["vault", "rotate"], Some(&setting));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("OPTIMA_VAULT_KEYS="))
        .unwrap_or_else(|| panic!("no value printed: {stdout}"));
    let rotated = KeyRing::parse(value).unwrap();
    assert_eq!(rotated.key_ids().count(), 2);
    let stderr = text(&out.stderr);
    for key in key_material(value) {
        assert!(!stderr.contains(&key), "key material on stderr: {stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap(),
        ring,
        "the key file is not touched"
    );
}

#[test]
fn processes_starting_together_share_one_generated_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = optima_server::config::Config::for_database("sqlite::memory:", dir.path());
    let rings: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| optima_server::vault::load_keyring(&config).unwrap().0))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                let ring = h.join().unwrap();
                secrecy::ExposeSecret::expose_secret(&ring.to_config()).to_owned()
            })
            .collect()
    });
    assert!(
        rings.windows(2).all(|w| w[0] == w[1]),
        "every starter uses the same key"
    );
    let on_disk = std::fs::read_to_string(dir.path().join(optima_server::vault::KEY_FILE)).unwrap();
    assert_eq!(on_disk, rings[0]);
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary files are left behind");
}

#[test]
fn a_bad_key_setting_stops_the_start_without_showing_the_key() {
    let dir = tempfile::tempdir().unwrap();
    // 6 bytes, not 32.
    let out = run(dir.path(), &["migrate"], Some("k1:c2VjcmV0"));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("OPTIMA_VAULT_KEYS") && stderr.contains("k1"),
        "{stderr}"
    );
    assert!(!stderr.contains("c2VjcmV0"), "{stderr}");
}
