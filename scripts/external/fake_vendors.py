#!/usr/bin/env python3
"""Stand-ins for ConnectWise Manage and a classic UniFi controller, for the external checks.

Only the endpoints Optima calls, with payloads shaped like the vendors' (numbers as strings,
unknown fields, missing fields). Standard library only; listens on 127.0.0.1.

    python3 fake_vendors.py --port 3901
ConnectWise is then at http://127.0.0.1:3901 (codebase v4_6_release/) and UniFi at
http://127.0.0.1:3901/unifi (classic controller, user "optima", password "optima-pass").
"""

import argparse
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

CW = "/v4_6_release/apis/3.0"
LOCK = threading.Lock()


def info(updated):
    return {"lastUpdated": updated, "updatedBy": "fake", "dateEntered": "2025-01-01T00:00:00Z"}


COMPANIES = [
    {
        "id": i,
        "identifier": f"Company{i}",
        "name": f"Company {i} Ltd",
        "status": {"id": 1, "name": "Active"},
        "addressLine1": f"{i} Main St",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "country": {"id": "1", "name": "United States"},
        "defaultContact": {"id": 100 + i, "name": "Pat Doe"},
        "deletedFlag": False,
        "annualRevenue": "0.00",
        "customFields": [{"id": 1, "caption": "Tier", "type": "Text", "value": "Gold"}],
        "_info": info(f"2026-01-{i:02d}T00:00:00Z"),
    }
    for i in range(1, 6)
]

CONTACTS = [
    {
        "id": 101,
        "firstName": "Pat",
        "lastName": "Doe",
        "title": "IT Manager",
        "inactiveFlag": "false",
        "company": {"id": 1, "identifier": "Company1"},
        "communicationItems": [
            {"id": 1, "type": {"id": 1, "name": "Direct"}, "value": "555-0101", "defaultFlag": True, "communicationType": "Phone"},
            {"id": 2, "type": {"id": 2, "name": "Email"}, "value": "pat@company1.example", "defaultFlag": True, "communicationType": "Email"},
        ],
    }
]

CATALOG = [
    {
        "id": 1000 + i,
        "identifier": f"PART-{i}",
        "description": f"Catalog item {i}",
        "customerDescription": f"Item {i} for customers",
        "inactiveFlag": i == 3,
        "subcategory": {"id": 2, "name": "Desktops"},
        "manufacturer": {"id": 45, "name": "Dell"},
        "manufacturerPartNumber": f"MPN-{i}",
        "vendor": {"id": 12, "identifier": "DellDirect", "name": "Dell Direct"},
        "vendorSku": f"SKU-{i}",
        "price": f"{100 + i}.99",
        "cost": 50.0 + i,
        "taxableFlag": True,
        "unitOfMeasure": {"id": 1, "name": "Each"},
        "_info": info(f"2026-02-{i:02d}T00:00:00Z"),
    }
    for i in range(1, 6)
]

OPPORTUNITIES = [
    {
        "id": 500 + i,
        "name": f"Network refresh {i}",
        "notes": "Full network redesign",
        "type": {"id": 1, "name": "New"},
        "stage": {"id": 3, "name": "Proposal"},
        "status": {"id": 1, "name": "Open"},
        "priority": {"id": 2, "name": "High"},
        "rating": {"id": 1, "name": "Hot"},
        "source": "Referral",
        "primarySalesRep": {"id": 10, "identifier": "JDoe", "name": "John Doe"},
        "company": {"id": i, "identifier": f"Company{i}", "name": f"Company {i} Ltd"},
        "contact": {"id": 101, "name": "Pat Doe"},
        "site": {"id": 50, "name": "Main Office"},
        "location": {"id": 1, "name": "Murray"},
        "department": {"id": 5, "name": "Sales"},
        "expectedCloseDate": "2026-04-15T00:00:00Z",
        "pipelineChangeDate": "2026-02-20T00:00:00Z",
        "dateBecameLead": "2026-01-10T00:00:00Z",
        "closedFlag": i == 5,
        "totalSalesTax": "0",
        "_info": info(f"2026-03-{i:02d}T00:00:00Z"),
    }
    for i in range(1, 6)
]


def wlan(i, site):
    return {
        "_id": f"66eb36e54bb53f0ae3fb82b{i}",
        "name": f"SSID-{i}",
        "site_id": site,
        "enabled": True,
        "security": "wpapsk",
        "wpa_mode": "wpa2",
        "wpa_enc": "ccmp",
        "x_passphrase": "S3cur3Pass!",
        "hide_ssid": False,
        "is_guest": i == 2,
        "wlan_band": "both",
        "networkconf_id": "66eb368d4bb53f0ae3fb7e0d",
        "usergroup_id": "61ae856a8eae567c3905c55c",
        "ap_group_ids": ["66eb36e44bb53f0ae3fb82bc"],
        "dtim_ng": "1",
        "minrate_ng_data_rate_kbps": 1000,
        "private_preshared_keys_enabled": False,
        "private_preshared_keys": [],
        "mac_filter_list": [],
        "schedule_with_duration": [],
        "some_new_firmware_field": {"x": 1},
    }


UNIFI = {
    "sites": [
        {"_id": "61ae856a8eae567c3905c54f", "name": "default", "desc": "Default", "role": "admin"},
        {"_id": "61ae856a8eae567c3905c550", "name": "km9b1v8i", "desc": "Murray Office", "role": "admin"},
    ],
    "wlans": {},
    "wlangroups": [{"_id": "61ae856a8eae567c3905c55d", "name": "Default", "site_id": "s", "attr_no_delete": True, "attr_hidden_id": "Default"}],
    "usergroups": [{"_id": "61ae856a8eae567c3905c55e", "name": "Default", "site_id": "s", "attr_no_delete": True, "qos_rate_max_down": -1, "qos_rate_max_up": "-1"}],
    "apgroups": [{"_id": "61ae856a8eae567c3905c565", "name": "All APs", "device_macs": ["18:e8:29:59:25:bc"], "attr_no_delete": True}],
}

DEVICES = [
    {
        "_id": "6466b2a1c4d3e2001b2d4c11",
        "mac": "18:e8:29:59:25:bc",
        "model": "U6PRO",
        "name": "Office AP",
        "type": "uap",
        "state": 1,
        "adopted": True,
        "ip": "192.168.1.10",
        "version": "6.6.77.15402",
        "uptime": "123456",
        "radio_table": [{"name": "wifi0", "radio": "ng", "channel": "auto", "tx_power_mode": "auto"}, {"name": "wifi1", "radio": "na", "channel": 36}],
        "vap_table": [{"essid": "SSID-1", "radio": "ng", "up": True}, {"essid": "SSID-1", "radio": "na", "up": True}],
        "uplink": {"type": "wire", "speed": 1000},
    },
    {"_id": "6466b2a1c4d3e2001b2d4c12", "mac": "74:ac:b9:00:00:01", "model": "US8P60", "name": "Switch", "type": "usw", "state": 1, "adopted": True},
]

NETWORKS = [
    {"_id": "66eb368d4bb53f0ae3fb7e0d", "name": "LAN", "purpose": "corporate", "ip_subnet": "192.168.1.1/24", "dhcpd_enabled": True, "dhcpd_start": "192.168.1.100", "dhcpd_stop": "192.168.1.254", "domain_name": "localdomain", "is_nat": True, "enabled": True},
    {"_id": "66eb368d4bb53f0ae3fb7e0e", "name": "IoT", "purpose": "corporate", "ip_subnet": "10.0.100.1/24", "vlan_enabled": True, "vlan": "100", "enabled": True},
]


def envelope(data):
    return {"meta": {"rc": "ok"}, "data": data}


def paged(items, query):
    page = int(query.get("page", ["1"])[0] or 1)
    size = int(query.get("pageSize", ["25"])[0] or 25)
    return items[(page - 1) * size : page * size]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def send_json(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        try:
            return json.loads(self.raw_body or b"null")
        except ValueError:
            return None

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        # Read the body first, always: one left unread on a kept-alive connection would be
        # taken for the start of the next request.
        length = int(self.headers.get("Content-Length") or 0)
        self.raw_body = self.rfile.read(length) if length else b""
        url = urlparse(self.path)
        path, query = url.path, parse_qs(url.query)
        if path.startswith("/unifi"):
            return self.unifi(method, path[len("/unifi"):] or "/")
        if path.startswith("/login/companyinfo/"):
            return self.send_json(200, {"CompanyName": "Fake", "Codebase": "v4_6_release/", "VersionCode": "v2025.1", "IsCloud": False})
        if not path.startswith(CW):
            return self.send_json(404, {"code": "NotFound", "message": "not found"})
        return self.connectwise(method, path[len(CW):], query)

    def connectwise(self, method, path, query):
        tables = {
            "/company/companies": COMPANIES,
            "/company/contacts": CONTACTS,
            "/company/configurations": [{"id": 9, "name": "FW-01", "type": {"id": 3, "name": "Firewall"}, "company": {"id": 1}, "serialNumber": "SN1"}],
            "/procurement/catalog": CATALOG,
            "/sales/opportunities": OPPORTUNITIES,
        }
        if path in tables:
            return self.send_json(200, paged(tables[path], query))
        m = re.fullmatch(r"(/[a-z]+/[a-z]+)/count", path)
        if m and m.group(1) in tables:
            return self.send_json(200, {"count": len(tables[m.group(1)])})
        m = re.fullmatch(r"(/[a-z]+/[a-z]+)/(\d+)(/[a-z]+)?", path)
        if m and m.group(1) in tables:
            record = next((r for r in tables[m.group(1)] if r["id"] == int(m.group(2))), None)
            if record is None:
                return self.send_json(404, {"code": "NotFound", "message": f"Record {m.group(2)} not found", "errors": None})
            sub = m.group(3)
            if sub is None:
                return self.send_json(200, record)
            if sub == "/inventory":
                return self.send_json(200, [{"id": 1, "onHand": "3", "warehouse": {"id": 1, "name": "Main"}}, {"id": 2, "onHand": 4}])
            if sub == "/forecast":
                return self.send_json(200, {"id": record["id"], "forecastItems": [{"id": 1, "forecastType": "Revenue", "forecastMonth": "2026-03-01T00:00:00Z", "revenue": "50000.00", "cost": 30000.0, "forecastPercentage": 75, "status": {"id": 1, "name": "Open"}, "includedFlag": True, "linkedFlag": False, "recurringFlag": False}]})
            if sub == "/notes":
                return self.send_json(200, [{"id": 1, "text": "Client interested.", "type": {"id": 2, "name": "Discussion"}, "flagged": False, "enteredBy": "JDoe"}])
            if sub == "/contacts":
                return self.send_json(200, [{"id": 1, "contact": {"id": 101, "name": "Pat Doe"}, "company": {"id": 1, "identifier": "Company1", "name": "Company 1 Ltd"}, "role": {"id": 1, "name": "Decision Maker"}, "notes": "Primary", "referralFlag": False}])
        return self.send_json(404, {"code": "NotFound", "message": f"No route {path}"})

    def unifi(self, method, path):
        if path == "/" and method == "GET":
            # A classic controller redirects / to /manage.
            self.send_response(302)
            self.send_header("Location", "/manage")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if path == "/api/login" and method == "POST":
            body = self.body() or {}
            if body.get("username") == "optima" and body.get("password") == "optima-pass":
                return self.send_json(200, envelope([]), {"Set-Cookie": "unifises=fake-session; Path=/; HttpOnly"})
            return self.send_json(400, {"meta": {"rc": "error", "msg": "api.err.Invalid"}, "data": []})
        if path == "/api/logout":
            return self.send_json(200, envelope([]))
        if "unifises=fake-session" not in (self.headers.get("Cookie") or ""):
            return self.send_json(401, {"meta": {"rc": "error", "msg": "api.err.LoginRequired"}, "data": []})
        if path == "/api/self/sites":
            return self.send_json(200, envelope(UNIFI["sites"]))
        m = re.fullmatch(r"/v2/api/site/([^/]+)/apgroups", path)
        if m:
            if method == "POST":
                body = self.body() or {}
                group = {"_id": f"ap{len(UNIFI['apgroups'])}", "name": body.get("name", "group"), "device_macs": body.get("device_macs", []), "attr_no_delete": False}
                with LOCK:
                    UNIFI["apgroups"].append(group)
                return self.send_json(200, group)
            return self.send_json(200, UNIFI["apgroups"])
        m = re.fullmatch(r"/api/s/([^/]+)(/.*)", path)
        if not m:
            return self.send_json(404, {"meta": {"rc": "error", "msg": "api.err.NotFound"}, "data": []})
        site, rest = m.group(1), m.group(2)
        if site not in [s["name"] for s in UNIFI["sites"]]:
            return self.send_json(400, {"meta": {"rc": "error", "msg": "api.err.NoSiteContext"}, "data": []})
        with LOCK:
            wlans = UNIFI["wlans"].setdefault(site, [wlan(1, site), wlan(2, site)])
        if rest == "/cmd/sitemgr" and method == "POST":
            body = self.body() or {}
            new = {"_id": f"site{len(UNIFI['sites'])}", "name": f"s{len(UNIFI['sites']):07d}", "desc": body.get("desc", "Site")}
            with LOCK:
                UNIFI["sites"].append(new)
            return self.send_json(200, envelope([new]))
        if rest == "/stat/health":
            return self.send_json(200, envelope([{"subsystem": "wan", "status": "ok", "num_adopted": 1, "num_gw": "1"}, {"subsystem": "wlan", "status": "ok", "num_ap": 1}]))
        if rest == "/stat/sysinfo":
            return self.send_json(200, envelope([{"timezone": "America/Denver", "hostname": "UniFi-Controller", "version": "8.6.9", "build": "atag_8.6.9"}]))
        if rest == "/stat/device":
            return self.send_json(200, envelope(DEVICES))
        if rest == "/rest/networkconf":
            return self.send_json(200, envelope(NETWORKS))
        if rest == "/rest/wlanconf":
            return self.send_json(200, envelope(wlans))
        m2 = re.fullmatch(r"/rest/wlanconf/([^/]+)", rest)
        if m2:
            target = next((w for w in wlans if w["_id"] == m2.group(1)), None)
            if target is None:
                return self.send_json(400, {"meta": {"rc": "error", "msg": "api.err.IdInvalid"}, "data": []})
            if method == "PUT":
                with LOCK:
                    target.update(self.body() or {})
            return self.send_json(200, envelope([target]))
        for name, key in (("/rest/wlangroup", "wlangroups"), ("/rest/usergroup", "usergroups")):
            if rest == name:
                if method == "POST":
                    body = self.body() or {}
                    item = dict(body, _id=f"{key}{len(UNIFI[key])}", site_id=site)
                    with LOCK:
                        UNIFI[key].append(item)
                    return self.send_json(200, envelope([item]))
                return self.send_json(200, envelope(UNIFI[key]))
        return self.send_json(404, {"meta": {"rc": "error", "msg": "api.err.NotFound"}, "data": []})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=3901)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
