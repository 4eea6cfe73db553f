"""Real records for schemathesis to aim at: prints `export OPTIMA_FUZZ_*=...` lines.

Without them, every operation on `/{id}` only ever meets a random id and answers 404, so the
fuzzer never reaches the handlers' own logic. Created through the API with the admin token:
a credential type with a secure field and a multi_credential field, a credential of it with one
sub-credential; looked up: a catalog item, a permission category, a UniFi site and one of its
Wi-Fi networks (from the stand-in vendors, after `sync all`).

OPTIMA_URL=http://127.0.0.1:3911 OPTIMA_TOKEN=... python fixtures.py
"""

import json
import os
import shlex
import sys
import urllib.error
import urllib.request

BASE = os.environ["OPTIMA_URL"]
TOKEN = os.environ["OPTIMA_TOKEN"]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        BASE + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return json.load(response)["data"]
    except urllib.error.HTTPError as e:
        sys.exit(f"fixtures: {method} {path} answered {e.code}: {e.read()[:500]!r}")


def main():
    ctype = call(
        "POST",
        "/v1/credential-type",
        {
            "name": "Fuzzed firewall",
            "permissionScope": "fuzzfirewall.credentials",
            "fields": [
                {"id": "host", "name": "Host", "required": True, "secure": False, "valueType": "ip_address"},
                {"id": "password", "name": "Password", "required": True, "secure": True, "valueType": "password"},
                {"id": "otp", "name": "2FA", "required": False, "secure": True, "valueType": "totp"},
                {
                    "id": "vpnUsers",
                    "name": "VPN users",
                    "required": False,
                    "secure": False,
                    "valueType": "multi_credential",
                    "subFields": [
                        {"id": "username", "name": "Username", "required": True, "secure": False, "valueType": "plain_text"},
                        {"id": "secret", "name": "Secret", "required": True, "secure": True, "valueType": "generic_secret"},
                    ],
                },
            ],
        },
    )
    company = call("GET", "/v1/company/companies?rpp=1")[0]
    credential = call(
        "POST",
        "/v1/credential/credentials",
        {
            "name": "Edge firewall",
            "typeId": ctype["id"],
            "companyId": company["id"],
            "fields": [
                {"fieldId": "host", "value": "10.0.0.1"},
                {"fieldId": "password", "value": "fuzz-s3cret"},
                {"fieldId": "otp", "value": "JBSWY3DPEHPK3PXPJBSWY3DP"},
            ],
            "subCredentials": {
                "vpnUsers": [
                    {"name": "Jo", "fields": [{"fieldId": "username", "value": "jo"}, {"fieldId": "secret", "value": "jo-s3cret"}]}
                ]
            },
        },
    )
    sub = call("GET", f"/v1/credential/credentials/{credential['id']}/sub-credentials")[0]
    item = call("GET", "/v1/procurement/items?rpp=1")[0]
    category = next(iter(call("GET", "/v1/permissions")))
    site = call("GET", "/v1/unifi/sites")[0]
    wlan = call("GET", f"/v1/unifi/site/{site['id']}/wifi")[0]
    values = {
        "OPTIMA_FUZZ_CREDENTIAL_TYPE_ID": ctype["id"],
        "OPTIMA_FUZZ_CREDENTIAL_ID": credential["id"],
        "OPTIMA_FUZZ_SECURE_FIELD_ID": "password",
        "OPTIMA_FUZZ_TOTP_FIELD_ID": "otp",
        "OPTIMA_FUZZ_SUB_CREDENTIAL_ID": sub["id"],
        "OPTIMA_FUZZ_CATALOG_ITEM_ID": item["id"],
        "OPTIMA_FUZZ_PERMISSION_CATEGORY": category,
        "OPTIMA_FUZZ_UNIFI_SITE_ID": site["id"],
        "OPTIMA_FUZZ_WLAN_ID": wlan["id"],
    }
    for name, value in values.items():
        print(f"export {name}={shlex.quote(str(value))}")


if __name__ == "__main__":
    main()
