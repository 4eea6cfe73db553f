"""A scenario run with the Python client that openapi-python-client generates from
openapi/optima.json: every response must parse into the generated models.

OPTIMA_URL=http://127.0.0.1:3911 OPTIMA_TOKEN=... python python_scenario.py
"""

import os
import sys
import uuid

from optima_api_client import AuthenticatedClient
from optima_api_client.api.company import list_companies
from optima_api_client.api.credential import create_credential, get_secure_value
from optima_api_client.api.credential_type import create_credential_type
from optima_api_client.api.permissions import get_permission_catalog
from optima_api_client.api.role import create_role
from optima_api_client.api.user import get_me
from optima_api_client.models import CreateCredential, CreateCredentialType, CreateRole


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
                    ],
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
                    "fields": [{"fieldId": "host", "value": "10.0.0.1"}, {"fieldId": "password", "value": "py-s3cret"}],
                }
            ),
        ),
        201,
    )

    secret = expect(get_secure_value.sync_detailed(client=client, id=credential.data.id, field_id="password"), 200)
    assert secret.data.value == "py-s3cret", "the revealed value is what was stored"
    print("python client scenario: ok")


if __name__ == "__main__":
    main()
