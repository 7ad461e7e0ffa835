// A minimal Lambda Runtime API loop for handler.mjs (what the managed Node.js runtime does for
// a handler): GET /next, call the handler, POST /response (or /error), over one kept-alive
// connection. For bench/lambda_bench.sh only.
import http from "node:http";
import { handler } from "./handler.mjs";

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = "/2018-06-01/runtime";

function call(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host, port, method, path, agent, headers: { "Content-Type": "application/json", ...headers } },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

for (;;) {
  const next = await call("GET", `${base}/invocation/next`);
  const id = next.headers["lambda-runtime-aws-request-id"];
  try {
    const result = await handler(JSON.parse(next.body));
    await call("POST", `${base}/invocation/${id}/response`, JSON.stringify(result));
  } catch (error) {
    const report = { errorMessage: String(error?.message ?? error), errorType: "Handler.Error" };
    await call("POST", `${base}/invocation/${id}/error`, JSON.stringify(report), {
      "Lambda-Runtime-Function-Error-Type": "Handler.Error",
    });
  }
}
