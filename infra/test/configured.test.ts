// The program with every configuration key set away from its default.

import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import { isSecret, kRegion, makeFakeZip, reveal, Run, runProgram } from "./harness";

const kTable = "aws:dynamodb/table:Table";
const kFunction = "aws:lambda/function:Function";
const kAlarm = "aws:cloudwatch/metricAlarm:MetricAlarm";
const kToken = "correct-horse-battery-staple";
const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

describe("a deployment configured away from every default", () => {
    let run: Run;
    before(async () => {
        run = await runProgram({
            lambdaZip: makeFakeZip(),
            billingMode: "PROVISIONED",
            readCapacity: "7",
            writeCapacity: "3",
            architecture: "arm64",
            memorySize: "256",
            timeout: "20",
            logRetentionDays: "30",
            stageName: "v1",
            throttleRateLimit: "50",
            throttleBurstLimit: "100",
            tableName: "my-hits",
            reservedPrefix: "/hc/",
            rateLimit: "100/1m",
            rateLimitRules: "/login 5/1m; /static/ unlimited",
            maxRoutes: "5000",
            adminToken: kToken,
            protectTable: "false",
            reservedConcurrency: "25",
            tracing: "true",
            alarmEmail: "ops@example.com",
            apiGatewayLogRole: "existing",
        }, { secretKeys: ["adminToken"] });
    });

    it("bills the table as provisioned with the configured read and write capacity", () => {
        const table = run.one(kTable).inputs;
        assert.equal(table.billingMode, "PROVISIONED");
        assert.equal(table.readCapacity, 7);
        assert.equal(table.writeCapacity, 3);
    });

    it("keeps point-in-time recovery, encryption and TTL on whatever the billing mode", () => {
        const table = run.one(kTable).inputs;
        assert.deepEqual(table.pointInTimeRecovery, { enabled: true });
        assert.deepEqual(table.serverSideEncryption, { enabled: true });
        assert.deepEqual(table.ttl, { attributeName: "expiresAt", enabled: true });
    });

    it("names the table as configured and outputs that name", () => {
        assert.equal(run.one(kTable).inputs.name, "my-hits");
        assert.equal(run.outputs.tableName, "my-hits");
    });

    it("takes the architecture, memory size and timeout from config", () => {
        const fn = run.one(kFunction).inputs;
        assert.deepEqual(fn.architectures, ["arm64"]);
        assert.equal(fn.memorySize, 256);
        assert.equal(fn.timeout, 20);
        assert.equal(fn.runtime, "provided.al2023");
        assert.equal(fn.handler, "bootstrap");
    });

    it("passes every configured service setting to the function's environment, the token as its SHA-256", () => {
        assert.deepEqual(reveal(run.one(kFunction).inputs.environment).variables, {
            TABLE_NAME: "my-hits",
            HITCOUNTER_RESERVED_PREFIX: "/hc/",
            HITCOUNTER_RATE_LIMIT: "100/1m",
            HITCOUNTER_RATE_LIMIT_RULES: "/login 5/1m; /static/ unlimited",
            HITCOUNTER_MAX_ROUTES: "5000",
            HITCOUNTER_ADMIN_TOKEN_SHA256: sha256(kToken),
        });
        assert.equal(run.all("random:index/randomPassword:RandomPassword").length, 0,
            "a token is generated although one is configured");
    });

    it("never hands the configured token to any resource, and its digest only as a secret", () => {
        const environment = run.one(kFunction).inputs.environment;
        assert.ok(isSecret(environment), "the environment carrying the digest is not a secret");
        for (const r of run.resources) {
            assert.ok(!JSON.stringify(reveal(r.inputs)).includes(kToken), `the token is in ${r.type} ${r.name}`);
            const plain = JSON.stringify(r.inputs, (_k, v) => (isSecret(v) ? "[secret]" : v));
            assert.ok(!plain.includes(sha256(kToken)), `the digest is in the clear in ${r.type} ${r.name}`);
        }
        assert.equal(run.outputs.adminToken, kToken);
        assert.deepEqual(run.secretOutputs, ["adminToken"]);
        for (const [key, value] of Object.entries(run.outputs)) {
            assert.ok(key === "adminToken" || !String(value).includes(kToken), key);
        }
    });

    it("with protectTable false, lets both DynamoDB and Pulumi delete the table", () => {
        const table = run.one(kTable);
        assert.equal(table.inputs.deletionProtectionEnabled, false);
        assert.equal(table.protect, false);
    });

    it("reserves the configured concurrency for the function", () => {
        assert.equal(run.one(kFunction).inputs.reservedConcurrentExecutions, 25);
    });

    it("traces the stage and the function with X-Ray, and lets the role send the traces", () => {
        assert.deepEqual(run.one(kFunction).inputs.tracingConfig, { mode: "Active" });
        assert.equal(run.one("aws:apigateway/stage:Stage").inputs.xrayTracingEnabled, true);
        const policy = JSON.parse(run.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
        const traces = policy.Statement.filter((s: any) => s.Sid === "SendTraces");
        assert.deepEqual(traces, [{
            Sid: "SendTraces", Effect: "Allow",
            Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*",
        }]);
    });

    it("sends every alarm, and its end, to an SNS topic with the configured e-mail subscribed", () => {
        const topic = run.one("aws:sns/topic:Topic");
        const subscription = run.one("aws:sns/topicSubscription:TopicSubscription").inputs;
        assert.deepEqual([subscription.topic, subscription.protocol, subscription.endpoint],
            [topic.state.arn, "email", "ops@example.com"]);
        const alarms = run.all(kAlarm);
        assert.equal(alarms.length, 6);
        for (const alarm of alarms) {
            assert.deepEqual(alarm.inputs.alarmActions, [topic.state.arn], alarm.name);
            assert.deepEqual(alarm.inputs.okActions, [topic.state.arn], alarm.name);
        }
        assert.equal(run.outputs.alarmTopicArn, topic.state.arn);
        // 80% of the configured 20 s timeout.
        assert.equal(run.one(kAlarm, "lambda-duration").inputs.threshold, 16000);
    });

    it("with apiGatewayLogRole existing, leaves the region's API Gateway settings alone", () => {
        assert.equal(run.all("aws:apigateway/account:Account").length, 0);
        assert.equal(run.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
        assert.deepEqual(run.all("aws:iam/role:Role").map((r) => r.name), ["hitcounter"]);
        assert.ok(run.one("aws:apigateway/stage:Stage").inputs.accessLogSettings, "access logs still on");
    });

    it("keeps both logs for the configured number of days", () => {
        const groups = run.all("aws:cloudwatch/logGroup:LogGroup");
        assert.equal(groups.length, 2);
        for (const group of groups) {
            assert.equal(group.inputs.retentionInDays, 30, group.name);
        }
    });

    it("uses the configured stage name for the stage, the invoke permission and the URLs", () => {
        const api = run.one("aws:apigateway/restApi:RestApi");
        assert.equal(run.one("aws:apigateway/stage:Stage").inputs.stageName, "v1");
        assert.equal(run.one("aws:lambda/permission:Permission").inputs.sourceArn,
            `${api.state.executionArn}/v1/*/*`);
        const base = `https://${api.id}.execute-api.${kRegion}.amazonaws.com/v1/`;
        assert.equal(run.outputs.url, base);
        // The stats endpoint and the dashboard follow the reserved prefix.
        assert.equal(run.outputs.statsUrl, `${base}hc/stats`);
        assert.equal(run.outputs.dashboardUrl, `${base}hc/dashboard`);
    });

    it("throttles every method at the configured rate and burst", () => {
        const settings = run.one("aws:apigateway/methodSettings:MethodSettings").inputs;
        assert.equal(settings.methodPath, "*/*");
        assert.equal(settings.stageName, "v1");
        assert.equal(settings.settings.throttlingRateLimit, 50);
        assert.equal(settings.settings.throttlingBurstLimit, 100);
    });
});

describe("an on-demand table with maximum throughput, and the read-only endpoints public", () => {
    let run: Run;
    before(async () => {
        run = await runProgram({
            lambdaZip: makeFakeZip(),
            maxReadRequestUnits: "3000",
            maxWriteRequestUnits: "1200",
            publicReadEndpoints: "true",
        });
    });

    it("caps the table's on-demand reads and writes per second", () => {
        const table = run.one(kTable).inputs;
        assert.equal(table.billingMode, "PAY_PER_REQUEST");
        assert.deepEqual(table.onDemandThroughput, { maxReadRequestUnits: 3000, maxWriteRequestUnits: 1200 });
    });

    it("generates no token, gives the function none and outputs none", () => {
        assert.equal(run.all("random:index/randomPassword:RandomPassword").length, 0);
        const variables = reveal(run.one(kFunction).inputs.environment).variables;
        assert.deepEqual(Object.keys(variables), ["TABLE_NAME"]);
        assert.equal(run.outputs.adminToken, undefined);
        assert.equal(run.outputs.adminTokenCommand, undefined);
    });
});

describe("redeployment", () => {
    const zip = makeFakeZip();
    const kResource = "aws:apigateway/resource:Resource";
    const kMethod = "aws:apigateway/method:Method";
    const kIntegration = "aws:apigateway/integration:Integration";

    /** The deployment's trigger when AWS answers `field` of resource `type`/`name` with `value`. */
    async function triggerWith(change?: { type: string; name: string; field: string; value: string }) {
        const run = await runProgram({ lambdaZip: zip }, {
            answer(type, name, answer) {
                if (change === undefined || type !== change.type || name !== change.name) {
                    return;
                }
                if (change.field === "id") {
                    answer.id = change.value;
                } else {
                    answer.state[change.field] = change.value;
                }
            },
        });
        return run.one("aws:apigateway/deployment:Deployment").inputs.triggers.redeployment as string;
    }

    let unchanged: string;
    before(async () => {
        unchanged = await triggerWith();
    });

    it("keeps the deployment's trigger when nothing changes", async () => {
        assert.equal(await triggerWith(), unchanged, "the same API must not redeploy");
    });

    // Every setting that makes up the routing: a change to any one of them must redeploy.
    const routing: [string, string, string, string][] = [
        [kResource, "proxy", "id", "resource-moved"],
        [kResource, "proxy", "pathPart", "{other+}"],
        ...["root", "proxy"].flatMap((name): [string, string, string, string][] => [
            [kMethod, name, "id", `method-${name}-2`],
            [kMethod, name, "httpMethod", "GET"],
            [kMethod, name, "authorization", "AWS_IAM"],
            [kIntegration, name, "id", `integration-${name}-2`],
            [kIntegration, name, "type", "AWS"],
            [kIntegration, name, "integrationHttpMethod", "GET"],
            [kIntegration, name, "uri", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/other/invocations"],
        ]),
    ];
    for (const [type, name, field, value] of routing) {
        it(`changes the deployment's trigger when ${type.split(":").pop()} ${name}'s ${field} changes`, async () => {
            assert.notEqual(await triggerWith({ type, name, field, value }), unchanged,
                `${field} of ${name} is not part of the redeployment trigger`);
        });
    }

    it("changes the deployment's trigger when the function behind the integrations is replaced", async () => {
        const trigger = async (functionName: string) => {
            const run = await runProgram({ lambdaZip: zip }, { functionName });
            return run.one("aws:apigateway/deployment:Deployment").inputs.triggers.redeployment as string;
        };
        const first = await trigger("hitcounter-aaaaaaa");
        assert.equal(await trigger("hitcounter-aaaaaaa"), first, "the same API must not redeploy");
        assert.notEqual(await trigger("hitcounter-bbbbbbb"), first);
    });
});
