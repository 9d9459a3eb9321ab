// Drives the emulator through Voucherify's official JS SDK (@voucherify/sdk); run by test_js_sdk.py.
// Usage: node js_sdk_flow.cjs BASE_URL. Prints one JSON object: what each call answered, or the error.
"use strict";

const { VoucherifyServerSide } = require("@voucherify/sdk");

const [baseUrl] = process.argv.slice(2);
const client = VoucherifyServerSide({ applicationId: "app", secretKey: "token", apiUrl: baseUrl });

async function caught(call) {
  try {
    await call();
    return null;
  } catch (error) {
    return { code: error.code, key: error.key, details: error.details, request_id: error.request_id };
  }
}

async function poll(get, finished) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const answer = await get();
    if (finished(answer)) return answer;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("gave up polling");
}

async function main() {
  const seen = {};
  seen.created = await client.orders.create({ source_id: "o-1", status: "PAID", amount: 1000 });
  seen.fetched = await client.orders.get("o-1");
  seen.updated = await client.orders.update({ source_id: "o-1", status: "FULFILLED" });
  seen.listed = await client.orders.list({ limit: 10 });
  const imported = await client.orders.import([
    { source_id: "o-2", status: "PAID", amount: 500 },
    { source_id: "o-3", status: "PAID", amount: 500, customer: { id: "cust_missing" } },
  ]);
  seen.action = await poll(
    () => client.asyncActions.get(imported.async_action_id),
    (action) => action.status === "DONE" || action.status === "FAILED",
  );
  seen.actions = await client.asyncActions.list({ limit: 10 });
  const created = await client.distributions.exports.create({
    exported_object: "order",
    parameters: { fields: ["source_id", "status"], order: "created_at" },
  });
  seen.export = await poll(() => client.distributions.exports.get(created.id), (item) => item.status === "DONE");
  const download = await fetch(seen.export.result.url);
  seen.download = { status: download.status, type: download.headers.get("content-type"), text: await download.text() };
  seen.exports = await client.distributions.exports.list();
  seen.not_found = await caught(() => client.orders.get("missing"));
  seen.bad_request = await caught(() => client.orders.import([{ source_id: "x", amount: -1 }]));
  const stranger = VoucherifyServerSide({ applicationId: "app", secretKey: "wrong", apiUrl: baseUrl });
  seen.unauthorized = await caught(() => stranger.orders.list());
  process.stdout.write(JSON.stringify(seen));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
