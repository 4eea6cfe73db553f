//! The SSIDs-per-radio helper.

use optima_unifi::testing::*;
use optima_unifi::{Band, Device, ssids_per_radio};
use serde_json::json;

fn devices(v: serde_json::Value) -> Vec<Device> {
    serde_json::from_value(v).unwrap()
}

#[test]
fn counts_ssids_per_radio_of_each_access_point() {
    let list = devices(json!([ap_new(), switch(), ap_old()]));
    let usage = ssids_per_radio(&list, 8);
    assert_eq!(usage.len(), 2, "the switch is skipped");

    let office = &usage[0];
    assert_eq!(office.name.as_deref(), Some("Office AP"));
    assert_eq!(office.mac.as_deref(), Some("18:e8:29:59:25:bc"));
    assert_eq!(office.model.as_deref(), Some("U7PRO"));
    let radios: Vec<_> = office.radios.iter().map(|r| r.radio.as_str()).collect();
    assert_eq!(radios, ["ng", "na", "6e"]);

    let ng = &office.radios[0];
    assert_eq!(ng.band, Some(Band::TwoG));
    assert_eq!(ng.active, 2);
    assert_eq!(ng.remaining, 6);
    assert_eq!(ng.limit, 8);
    assert_eq!(ng.names, ["TTAD", "Corp-6E"]);

    // The mesh backhaul VAP is not counted.
    let na = &office.radios[1];
    assert_eq!(na.band, Some(Band::FiveG));
    assert_eq!(na.active, 1);
    assert_eq!(na.names, ["Corp-6E"]);

    // A radio whose only VAP is down shows up with zero.
    let six = &office.radios[2];
    assert_eq!(six.band, Some(Band::SixG));
    assert_eq!(six.active, 0);
    assert_eq!(six.remaining, 8);

    let warehouse = &usage[1];
    assert_eq!(warehouse.radios[0].names, ["Legacy"]);
    assert_eq!(warehouse.radios[1].active, 0);
}

#[test]
fn a_full_radio_has_nothing_remaining_and_can_be_over_the_limit() {
    let vaps: Vec<_> = (0..9)
        .map(|i| json!({"essid": format!("ssid-{i}"), "radio": "na", "up": true}))
        .collect();
    let ap =
        json!({"_id": "x", "type": "uap", "radio_table": [{"radio": "na"}], "vap_table": vaps});
    let usage = ssids_per_radio(&devices(json!([ap])), 8);
    let na = &usage[0].radios[0];
    assert_eq!(na.active, 9);
    assert_eq!(na.remaining, 0);
    assert!(na.over_limit());
    let usage = ssids_per_radio(&devices(json!([usage_ap()])), 4);
    assert_eq!(usage[0].radios[0].remaining, 2);
}

fn usage_ap() -> serde_json::Value {
    json!({"type": "uap", "vap_table": [
        {"essid": "A", "radio": "ng"}, {"essid": "B", "radio": "ng"},
        {"essid": "C", "radio": "xx"}
    ]})
}

#[test]
fn radios_only_in_the_vap_table_and_unknown_codes_are_reported() {
    let usage = ssids_per_radio(&devices(json!([usage_ap()])), 8);
    let radios = &usage[0].radios;
    assert_eq!(radios.len(), 2);
    assert_eq!(radios[0].active, 2);
    assert_eq!(radios[1].radio, "xx");
    assert_eq!(radios[1].band, None);
}
