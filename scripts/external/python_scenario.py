"""A scenario run with the Python client that openapi-python-client generates from
openapi/optima.json: every response must parse into the generated models.

OPTIMA_URL=http://127.0.0.1:3911 OPTIMA_TOKEN=... python python_scenario.py
"""

import os
import sys
import uuid

from optima_api_client import AuthenticatedClient
from optima_api_client.api.company import list_companies
from optima_api_client.api.credential import (
    create_credential,
    generate_credential_value,
    get_historical_secure_value,
    get_secure_value,
    get_totp_code,
    list_credential_versions,
    list_revealed_by_user,
    restore_credential_version,
    update_credential_fields,
)
from optima_api_client.api.credential_type import create_credential_type
from optima_api_client.api.permissions import get_permission_catalog
from optima_api_client.api.role import create_role
from optima_api_client.api.user import get_me
from optima_api_client.models import (
    CreateCredential,
    CreateCredentialType,
    CreateRole,
    GenerateValue,
    UpdateCredentialFields,
)


def expect(response, status):
    if response.status_code != status or response.parsed is None:
        sys.exit(f"expected {status} with a parsed body, got {response.status_code}: {response.content[:500]!r}")
    return response.parsed


def main():
    client = AuthenticatedClient(base_url=os.environ["OPTIMA_URL"], token=os.environ["OPTIMA_TOKEN"], raise_on_unexpected_status=True)
    unique = uuid.uuid4().hex[:8]

    me = expect(get_me.sync_detailed(client=client), 200)
    assert me.successful and "admin" in me.data.roles, me

    role = expect(
        create_role.sync_detailed(client=client, body=CreateRole(title="Python client", moniker=f"py-{unique}", permissions=["user.read", "company.*"])),
        201,
    )
    assert role.data.moniker == f"py-{unique}"

    catalog = expect(get_permission_catalog.sync_detailed(client=client), 200)
    assert "global" in catalog.data.additional_properties, "the catalog is keyed by category"

    companies = expect(list_companies.sync_detailed(client=client, rpp=5), 200)
    assert companies.pagination.total_records >= 1, "companies were synced from the stand-in ConnectWise"
    company_id = companies.data[0].id

    ctype = expect(
        create_credential_type.sync_detailed(
            client=client,
            body=CreateCredentialType.from_dict(
                {
                    "name": f"Router {unique}",
                    "permissionScope": f"router{unique}.credentials",
                    "fields": [
                        {"id": "host", "name": "Host", "required": True, "secure": False, "valueType": "ip_address"},
                        {"id": "password", "name": "Password", "required": True, "secure": True, "valueType": "password"},
                        {"id": "otp", "name": "2FA", "required": False, "secure": True, "valueType": "totp"},
                    ],
                    "passwordPolicy": {"words": 4, "digits": False},
                }
            ),
        ),
        201,
    )

    credential = expect(
        create_credential.sync_detailed(
            client=client,
            body=CreateCredential.from_dict(
                {
                    "name": "Core router",
                    "typeId": ctype.data.id,
                    "companyId": company_id,
                    "fields": [
                        {"fieldId": "host", "value": "10.0.0.1"},
                        {"fieldId": "password", "value": "py-s3cret"},
                        {"fieldId": "otp", "value": "otpauth://totp/Acme:py?secret=JBSWY3DPEHPK3PXPJBSWY3DP&digits=8"},
                    ],
                }
            ),
        ),
        201,
    )

    secret = expect(get_secure_value.sync_detailed(client=client, id=credential.data.id, field_id="password"), 200)
    assert secret.data.value == "py-s3cret", "the revealed value is what was stored"

    cid = credential.data.id
    code = expect(get_totp_code.sync_detailed(client=client, id=cid, field_id="otp"), 200)
    assert len(code.data.code) == 8 and code.data.code.isdigit(), code.data
    rotated = expect(
        update_credential_fields.sync_detailed(
            client=client, id=cid, body=UpdateCredentialFields.from_dict({"fields": [{"fieldId": "password", "generate": True}]})
        ),
        200,
    )
    assert rotated.data.version == 2
    versions = expect(list_credential_versions.sync_detailed(client=client, id=cid), 200)
    assert [v.version for v in versions.data.versions] == [2, 1]
    old = expect(get_historical_secure_value.sync_detailed(client=client, id=cid, version=1, field_id="password"), 200)
    assert old.data.value == "py-s3cret"
    restored = expect(restore_credential_version.sync_detailed(client=client, id=cid, version=1), 200)
    assert restored.data.version == 3
    words = expect(generate_credential_value.sync_detailed(client=client, body=GenerateValue.from_dict({"typeId": ctype.data.id})), 200)
    assert len(words.data.value.split("-")) == 4, words.data.value
    revealed = expect(list_revealed_by_user.sync_detailed(client=client, id=me.data.id), 200)
    assert any(r.credential_id == cid and r.field_id == "otp" for r in revealed.data)
    print("python client scenario: ok")


if __name__ == "__main__":
    main()
