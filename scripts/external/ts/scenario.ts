// The external scenario with a TypeScript client: types from openapi-typescript, calls through
// openapi-fetch. `tsc` checks this file against the generated types before it runs.
//
//   OPTIMA_URL=http://127.0.0.1:3911 OPTIMA_TOKEN=... npx tsx scenario.ts
import createClient from "openapi-fetch";
import type { paths } from "./schema";

declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

const baseUrl = process.env.OPTIMA_URL;
const token = process.env.OPTIMA_TOKEN;
if (!baseUrl || !token) {
  console.error("set OPTIMA_URL and OPTIMA_TOKEN");
  process.exit(2);
}

const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

function check(condition: unknown, message: string): asserts condition {
  if (!condition) {
    console.error(`typescript scenario failed: ${message}`);
    process.exit(1);
  }
}

const unique = Math.random().toString(16).slice(2, 10);

const me = await client.GET("/v1/user/@me");
check(me.data?.successful && me.data.data.roles.includes("admin"), `me: ${JSON.stringify(me.error)}`);

const role = await client.POST("/v1/role", {
  body: { title: "TypeScript client", moniker: `ts-${unique}`, permissions: ["user.read"] },
});
check(role.response.status === 201 && role.data?.data.moniker === `ts-${unique}`, `role: ${JSON.stringify(role.error)}`);

const catalog = await client.GET("/v1/permissions");
check(catalog.data && "global" in catalog.data.data, "catalog keyed by category");

const companies = await client.GET("/v1/company/companies", { params: { query: { rpp: 5 } } });
check(companies.data && companies.data.data.length > 0, `companies: ${JSON.stringify(companies.error)}`);
const companyId = companies.data.data[0].id;

const type = await client.POST("/v1/credential-type", {
  body: {
    name: `Switch ${unique}`,
    permissionScope: `switch${unique}.credentials`,
    fields: [
      { id: "username", name: "Username", required: true, secure: false, valueType: "plain_text" },
      { id: "password", name: "Password", required: true, secure: true, valueType: "password" },
      { id: "otp", name: "2FA", required: false, secure: true, valueType: "totp" },
    ],
    passwordPolicy: { length: 32, symbols: false },
  },
});
check(type.response.status === 201 && type.data, `credential type: ${JSON.stringify(type.error)}`);

const credential = await client.POST("/v1/credential/credentials", {
  body: {
    name: "Core switch",
    typeId: type.data.data.id,
    companyId,
    fields: [
      { fieldId: "username", value: "admin" },
      { fieldId: "password", value: "ts-s3cret" },
      { fieldId: "otp", value: "JBSWY3DPEHPK3PXPJBSWY3DP" },
    ],
  },
});
check(credential.response.status === 201 && credential.data, `credential: ${JSON.stringify(credential.error)}`);

const secret = await client.GET("/v1/credential/credentials/{id}/secure-values/{fieldId}", {
  params: { path: { id: credential.data.data.id, fieldId: "password" } },
});
check(secret.data?.data.value === "ts-s3cret", `reveal: ${JSON.stringify(secret.error)}`);

const id = credential.data.data.id;
const code = await client.GET("/v1/credential/credentials/{id}/totp/{fieldId}", {
  params: { path: { id, fieldId: "otp" } },
});
check(/^[0-9]{6}$/.test(code.data?.data.code ?? ""), `totp: ${JSON.stringify(code.error)}`);

const rotated = await client.PUT("/v1/credential/credentials/{id}/fields", {
  params: { path: { id } },
  body: { fields: [{ fieldId: "password", generate: true }] },
});
check(rotated.data?.data.version === 2, `generated value: ${JSON.stringify(rotated.error)}`);
const versions = await client.GET("/v1/credential/credentials/{id}/versions", { params: { path: { id } } });
check(versions.data?.data.versions.length === 2, `versions: ${JSON.stringify(versions.error)}`);
const old = await client.GET("/v1/credential/credentials/{id}/versions/{version}/secure-values/{fieldId}", {
  params: { path: { id, version: 1, fieldId: "password" } },
});
check(old.data?.data.value === "ts-s3cret", `old value: ${JSON.stringify(old.error)}`);
const restored = await client.POST("/v1/credential/credentials/{id}/versions/{version}/restore", {
  params: { path: { id, version: 1 } },
});
check(restored.data?.data.version === 3, `restore: ${JSON.stringify(restored.error)}`);
const generated = await client.POST("/v1/credential/generate", { body: { typeId: type.data.data.id } });
check(generated.data?.data.value.length === 32, `generate: ${JSON.stringify(generated.error)}`);

console.log("typescript client scenario: ok");
